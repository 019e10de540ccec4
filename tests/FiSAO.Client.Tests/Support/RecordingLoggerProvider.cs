using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FiSAO.Client.Tests.Support;

/// <summary>Keeps what the client logs (Polly's retry and breaker events included), for assertions and failure messages.</summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    public override string ToString() => string.Join('\n', Lines.TakeLast(40));

    sealed class Logger(RecordingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) owner.Lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
        }
    }
}
