using TorchSharp;
using static TorchSharp.torch;

namespace FiSAO.Models.Llama;

/// <summary>
/// A preallocated key/value cache (HF's static cache): per layer one key and one value tensor
/// [B, kv_heads, capacity, head_dim], filled left to right. A forward pass with the cache writes its T new positions at
/// [Length, Length + T) of every layer and attends over [0, Length + T); <see cref="Length"/> advances once all layers
/// have run. The tensors belong to the cache (outside every dispose scope) until <see cref="Dispose"/>.
/// </summary>
public sealed class LlamaKvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private bool _disposed;

    public LlamaKvCache(LlamaConfig config, long batchSize, long capacity, Device device, ScalarType dtype)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity));
        BatchSize = batchSize;
        Capacity = capacity;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            _keys[i] = torch.zeros([batchSize, config.KeyValueHeads, capacity, config.HeadDimension], dtype, device).DetachFromDisposeScope();
            _values[i] = torch.zeros([batchSize, config.KeyValueHeads, capacity, config.HeadDimension], dtype, device).DetachFromDisposeScope();
        }
    }

    public long BatchSize { get; }

    public long Capacity { get; }

    /// <summary>Positions already stored (the past length for the next forward).</summary>
    public long Length { get; private set; }

    public int Layers => _keys.Length;

    /// <summary>
    /// Stores <paramref name="key"/> and <paramref name="value"/> [B, kv_heads, T, head_dim] of one layer at the current end and
    /// returns views of everything stored for that layer so far, [B, kv_heads, Length + T, head_dim].
    /// </summary>
    public (Tensor Keys, Tensor Values) Update(int layer, Tensor key, Tensor value)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var t = key.shape[2];
        if (key.shape[0] != BatchSize)
            throw new ArgumentException($"Cache holds {BatchSize} rows but the forward has {key.shape[0]}.", nameof(key));
        if (Length + t > Capacity)
            throw new InvalidOperationException($"KV cache capacity {Capacity} exceeded: {Length} stored + {t} new.");
        using (var kSlot = _keys[layer].narrow(2, Length, t))
            kSlot.copy_(key);
        using (var vSlot = _values[layer].narrow(2, Length, t))
            vSlot.copy_(value);
        return (_keys[layer].narrow(2, 0, Length + t), _values[layer].narrow(2, 0, Length + t));
    }

    /// <summary>Called by the model after all layers stored <paramref name="count"/> new positions.</summary>
    public void Advance(long count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count < 0 || Length + count > Capacity) throw new ArgumentOutOfRangeException(nameof(count));
        Length += count;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
