namespace FiSAO.Trainer.Metrics;

/// <summary>
/// Step metrics to <c>metrics.csv</c> (flushed per row, so a killed run keeps what it logged) and to TensorBoard event
/// files (<see cref="TensorBoardWriter"/>) under <c>tensorboard/</c>.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string CsvFileName = "metrics.csv";

    private readonly StreamWriter _csv;
    private readonly TensorBoardWriter? _tensorBoard;

    public MetricsLog(string outputDirectory, bool tensorBoard)
    {
        CsvPath = Path.Combine(outputDirectory, CsvFileName);
        var exists = File.Exists(CsvPath) && new FileInfo(CsvPath).Length > 0;
        _csv = new StreamWriter(new FileStream(CsvPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        if (!exists) _csv.WriteLine(string.Join(',', StepMetrics.Columns));
        if (tensorBoard) _tensorBoard = new TensorBoardWriter(Path.Combine(outputDirectory, "tensorboard"));
    }

    public string CsvPath { get; }

    public void Write(StepMetrics m)
    {
        _csv.WriteLine(m.ToCsv());
        if (_tensorBoard is null) return;
        foreach (var (tag, value) in m.Scalars()) _tensorBoard.AddScalar(tag, value, m.Step);
    }

    public void Dispose()
    {
        _csv.Dispose();
        _tensorBoard?.Dispose();
    }
}
