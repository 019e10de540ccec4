using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using TorchSharp;

namespace FiSAO.Trainer.Training;

/// <summary>
/// A thread per device, as torch.nn.DataParallel runs one per replica: <see cref="Run{T}"/> hands every device its part
/// of the work at once and waits for all of them. TorchSharp's dispose scopes and libtorch's grad mode are per thread,
/// so a part opens its own scope and returns only what it detached from it. With one device there are no threads: the
/// work runs on the caller's thread, exactly as a trainer without devices would run it.
/// </summary>
public sealed class DeviceWorkers : IDisposable
{
    private readonly BlockingCollection<Action>[] _queues;
    private readonly Thread[] _threads;

    /// <param name="devices">Number of devices (threads when more than one).</param>
    /// <param name="torchThreads">libtorch intra-op threads for each worker (OpenMP keeps the setting per thread); 0 = default.</param>
    public DeviceWorkers(int devices, int torchThreads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(devices, 1);
        Count = devices;
        _queues = devices == 1 ? [] : [.. Enumerable.Range(0, devices).Select(_ => new BlockingCollection<Action>())];
        _threads = [.. _queues.Select((queue, d) => new Thread(() =>
        {
            if (torchThreads > 0) torch.set_num_threads(torchThreads);
            foreach (var work in queue.GetConsumingEnumerable()) work();
        }) { IsBackground = true, Name = $"fisao-device-{d}" })];
        foreach (var thread in _threads) thread.Start();
    }

    public int Count { get; }

    /// <summary>Runs <paramref name="work"/>(d) for every device d at once, each on its device's thread; the results by device.</summary>
    /// <remarks>The first failure is rethrown (with its stack) once every device has finished.</remarks>
    public T[] Run<T>(Func<int, T> work)
    {
        if (Count == 1) return [work(0)];
        var results = new T[Count];
        var failures = new Exception?[Count];
        using var done = new CountdownEvent(Count);
        for (var d = 0; d < Count; d++)
        {
            var device = d;
            _queues[d].Add(() =>
            {
                try { results[device] = work(device); }
                catch (Exception e) { failures[device] = e; }
                finally { done.Signal(); }
            });
        }
        done.Wait();
        if (failures.FirstOrDefault(f => f is not null) is { } failure) ExceptionDispatchInfo.Capture(failure).Throw();
        return results;
    }

    public void Dispose()
    {
        foreach (var queue in _queues) queue.CompleteAdding();
        foreach (var thread in _threads) thread.Join();
        foreach (var queue in _queues) queue.Dispose();
    }
}
