namespace FiSAO.Verifier.Commands;

/// <summary>What <c>--help</c> prints: the run contract and the subcommands.</summary>
public static class VerifierUsage
{
    public const string Text = """
        fisao-verifier: the FiSAO fine-grained verifier (gRPC fisao.verifier.v1.Verifier and REST on one port).

        Usage:
          FiSAO.Verifier [--model DIR] [--calibration FILE] [--entities FILE] [--data-dir DIR] [--device cpu|cuda[:N]]
                         [--dtype fp32|fp16|bf16] [--api-key KEY] [--admin-key KEY] [--urls URL] [--Verifier:Setting value ...]
              serve; no --model: the built-in shapes-world model (ships ready, installed into the data directory)
          FiSAO.Verifier calibrate --samples FILE.jsonl --out FILE [--model DIR ...]
              Eq. 7 baselines from labelled samples, written as the calibration file --calibration loads
          FiSAO.Verifier health [--address URL] [--timeout SECONDS]
              gRPC health check of a running verifier (exit 0 serving, 1 not serving, 3 unreachable)

        TLS: standard Kestrel configuration (--Kestrel:Endpoints:Https:Url, ...:Certificate:Path / KeyPath); mutual TLS
        with --Verifier:ClientCaPath CA.pem. Every setting: README.md, "Configuration".
        The Figure 1 report and the built-in model's recipe are in the shapes-world tools (fisao-shapes report,
        fisao-shapes build-verifier-model).
        """;
}
