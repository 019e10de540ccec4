using FiSAO.Verifier.Scoring;

namespace FiSAO.Verifier.Tests.Inference;

public class LruCacheTests
{
    [Fact]
    public void The_least_recently_used_entry_is_evicted_first_and_hits_are_counted()
    {
        var cache = new LruCache<string, int>(2);
        cache.Set("a", 1);
        cache.Set("b", 2);
        Assert.True(cache.TryGet("a", out _));   // a is now most recent
        cache.Set("c", 3);                        // evicts b
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("c", out var c));
        Assert.Equal(3, c);
        Assert.Equal(2, cache.Count);
        Assert.Equal(2, cache.Hits);
        Assert.Equal(1, cache.Misses);
    }
}
