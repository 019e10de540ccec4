using FiSAO.Trainer.Commands;

return await TrainerCli.RunAsync(args);
