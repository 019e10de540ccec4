using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace FiSAO.Verifier.Http;

/// <summary>
/// The memory pool Kestrel's transports receive into and send from, with 64 KiB blocks instead of Kestrel's 4 KiB: a
/// receive call can then take up to 64 KiB, so a 172 KiB upload arrives in about 3 calls instead of about 43 (each with
/// its wake-up, its pipe segment and its copy out). Blocks are pinned arrays, as in Kestrel's own pool, so the socket layer
/// never pins per call. At most <see cref="MaxRetainedBlocks"/> idle blocks are kept; a burst beyond that allocates, and
/// the surplus goes to the collector when returned.
/// </summary>
public sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    /// <summary>Idle blocks kept for reuse (16 MiB).</summary>
    public const int MaxRetainedBlocks = 256;

    readonly ConcurrentQueue<Block> _idle = new();
    int _idleCount;
    long _allocated;
    volatile bool _disposed;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks allocated so far (rents the idle queue could not serve).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>Idle blocks held for reuse now.</summary>
    public int Idle => Volatile.Read(ref _idleCount);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        // Pipes ask a pool for at most its MaxBufferSize; larger buffers come from the array pool instead.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_idle.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _idleCount);
            block.Rented = true;
            return block;
        }
        Interlocked.Increment(ref _allocated);
        return new Block(this);
    }

    void Return(Block block)
    {
        if (_disposed) return;
        if (Interlocked.Increment(ref _idleCount) > MaxRetainedBlocks)
        {
            Interlocked.Decrement(ref _idleCount);
            return;   // dropped: the collector takes it
        }
        _idle.Enqueue(block);
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _idle.Clear();
    }

    sealed class Block(LargeBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);

        public bool Rented { get; set; } = true;

        public Memory<byte> Memory => Rented ? _array : throw new ObjectDisposedException(nameof(Block), "The block was returned to its pool.");

        public void Dispose()
        {
            if (!Rented) return;   // disposed twice: return it once
            Rented = false;
            pool.Return(this);
        }
    }
}

/// <summary>Gives Kestrel's transports <see cref="LargeBlockMemoryPool"/>s (registered in place of Kestrel's default
/// factory) and keeps them, so tests and diagnostics can see what they hold.</summary>
public sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    readonly ConcurrentQueue<LargeBlockMemoryPool> _pools = new();

    public IReadOnlyCollection<LargeBlockMemoryPool> Pools => _pools;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
    {
        var pool = new LargeBlockMemoryPool();
        _pools.Enqueue(pool);
        return pool;
    }
}
