using FiSAO.Cli;

return await FisaoCli.RunAsync(args, CliIo.FromSystemConsole());
