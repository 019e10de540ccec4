using FiSAO.Verifier.Commands;

namespace FiSAO.Verifier.Tests.Commands;

/// <summary>The command tree: help and argument errors start nothing; serving gets the arguments unchanged.</summary>
public class VerifierCliTests
{
    static async Task<(int Code, string Out, string Err, string[]? Served)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[]? served = null;
        var code = await VerifierCli.RunAsync(args, output, error, serving =>
        {
            served = serving;
            return Task.FromResult(0);
        });
        return (code, output.ToString(), error.ToString(), served);
    }

    [Fact]
    public async Task Help_prints_the_run_contract_and_the_subcommands_without_serving()
    {
        var (code, output, _, served) = await Run("--help");
        Assert.Equal(0, code);
        Assert.Null(served);
        Assert.Contains("Usage:", output);
        Assert.Contains("--model DIR", output);
        Assert.Contains("calibrate", output);
        Assert.Contains("health", output);
    }

    [Theory]
    [InlineData("calibrate", "--samples")]
    [InlineData("health", "--address")]
    public async Task Subcommand_help_lists_its_options_without_serving(string command, string option)
    {
        var (code, output, _, served) = await Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Null(served);
        Assert.Contains(option, output);
    }

    [Fact]
    public async Task No_subcommand_serves_with_the_arguments_unchanged()
    {
        string[] args = ["--model", "/models/clip", "--Verifier:Rewards:Alpha", "0.5", "--urls", "http://0.0.0.0:5000"];
        var (code, _, error, served) = await Run(args);
        Assert.True(code == 0, error);
        Assert.Equal(args, served);
    }

    [Fact]
    public async Task Settings_in_key_equals_value_form_are_served_not_taken_for_a_command()
    {
        var (code, _, error, served) = await Run("Verifier:Device=cpu", "--data-dir", "/data");
        Assert.True(code == 0, error);
        Assert.Equal(["Verifier:Device=cpu", "--data-dir", "/data"], served!);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--model")]
    [InlineData("health", "--timeout", "soon")]
    [InlineData("calibrate", "--samples", "s.jsonl")]
    public async Task A_bad_argument_is_one_clear_error_and_exit_code_2_without_serving(params string[] args)
    {
        var (code, _, error, served) = await Run(args);
        Assert.Equal(VerifierCli.UsageError, code);
        Assert.Null(served);
        Assert.Contains("(see --help)", error);
        Assert.DoesNotContain("Exception", error);
    }

    [Fact]
    public async Task Calibrate_names_the_missing_option()
    {
        var (_, _, error, _) = await Run("calibrate", "--samples", "s.jsonl");
        Assert.Contains("'--out' is required", error);
        Assert.Contains("usage: calibrate --samples <FILE.jsonl> --out <FILE>", error);
    }
}
