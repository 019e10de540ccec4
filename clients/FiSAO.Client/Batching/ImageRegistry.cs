namespace FiSAO.Client;

/// <summary>
/// Image ids some replica accepted the bytes of, most recent first, bounded (LRU). Only a hint: the replica that gets
/// the next call may not hold the image (round-robin, restarts, eviction) and answers NOT_FOUND, and the bytes are
/// sent again. Thread-safe.
/// </summary>
internal sealed class ImageRegistry(int capacity)
{
    readonly Dictionary<string, LinkedListNode<string>> _index = new(StringComparer.Ordinal);
    readonly LinkedList<string> _order = new();
    readonly Lock _lock = new();

    public int Count { get { lock (_lock) return _index.Count; } }

    public bool Contains(string id)
    {
        if (capacity == 0) return false;
        lock (_lock)
        {
            if (!_index.TryGetValue(id, out var node)) return false;
            _order.Remove(node);
            _order.AddFirst(node);
            return true;
        }
    }

    public void Add(string id)
    {
        if (capacity == 0) return;
        lock (_lock)
        {
            if (_index.TryGetValue(id, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                return;
            }
            _index[id] = _order.AddFirst(id);
            if (_index.Count > capacity)
            {
                _index.Remove(_order.Last!.Value);
                _order.RemoveLast();
            }
        }
    }
}
