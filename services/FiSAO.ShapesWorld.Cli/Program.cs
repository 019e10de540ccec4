using FiSAO.ShapesWorld.Cli;
using FiSAO.ShapesWorld.Cli.BuiltIn;
using FiSAO.ShapesWorld.Cli.Reports;
using Spectre.Console;

const string Usage = """
    fisao-shapes: the FiSAO shapes world (synthetic scenes with exact ground truth, and a CLIP trained on them).

      generate --out DIR [--count 100] [--seed 1] [--start 0] [--size 96]
          N scenes as DIR/scene-00001.png ... plus DIR/scenes.jsonl and DIR/entities.txt
      sheet --out FILE.png [--seed 1] [--start 0] [--count 32] [--columns 8] [--vocabulary]
          a contact sheet of scenes (or of the 16 object icons) as one PNG
      export-coco --out DIR --split train|val|test [--count 500] [--seed 777|4242|31415] [--size 96]
          N scenes in COCO's layout: DIR/<split>/scene-00001.png ..., DIR/annotations/instances_<split>.json
          (categories, instances with bounding boxes and areas) and captions_<split>.json; the default seed of each
          split is the shapes demo's (train 777: PPO prompts, val 4242: validation, test 31415: reported numbers)
      entities --out FILE
          the world's entity list (for the verifier's --entities and CHAIR)
      train --out DIR [--seed 1] [--scenes 32000] [--epochs 5] [--batch 64] [--lr 0.002] [--threads 0]
            [--eval-scenes 400] [--size tiny|default]
          train the shapes CLIP and save an HF CLIP folder (config.json, model.safetensors, vocab.json, merges.txt,
          tokenizer_config.json, preprocessor_config.json, entities.txt, training.json)
      evaluate --model DIR [--seed 2] [--scenes 400]
          separation of correct vs hallucinated object mentions (token-level AUROC) on held-out scenes
      build-verifier-model --out DIR/v1-shapes-world [--calibration-only]
          the verifier's built-in model from its recipe: training (32,000 scenes x 5 epochs, 1 libtorch thread), entity list,
          calibration through the verifier's engine, build.json (machine and timings)
      report [--out reports/figure1] [--scenes 500] [--seed 3000017] [--model DIR --entities FILE --calibration FILE]
             [--data-dir DIR]
          the paper's Figure 1 (token- vs sentence-level separation) with the verifier's engine; no --model: the
          verifier's built-in model
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var options = new CommandLine(args.Skip(1));
    return args[0] switch
    {
        "generate" => Commands.Generate(options),
        "sheet" => Commands.Sheet(options),
        "entities" => Commands.Entities(options),
        "export-coco" => Commands.ExportCoco(options),
        "train" => Commands.Train(options),
        "evaluate" => Commands.Evaluate(options),
        "build-verifier-model" => BuildVerifierModelCommand.Run(options),
        "report" => ReportCommand.Run(options),
        _ => throw new UsageException($"Unknown command '{args[0]}'."),
    };
}
catch (UsageException e)
{
    AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
    Console.Error.WriteLine(Usage);
    return 2;
}
