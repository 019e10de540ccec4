using System.Net;
using FiSAO.Verifier.Http;
using FiSAO.Verifier.Tests.Support;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace FiSAO.Verifier.Tests.Http;

/// <summary>Kestrel's transports receive into 64 KiB blocks from the verifier's pool, which reuses returned blocks and
/// keeps a bounded number idle.</summary>
public class LargeBlockMemoryPoolTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public void Blocks_are_64_KiB_and_reused_once_returned()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent(4096);
        Assert.Equal(64 * 1024, first.Memory.Length);
        first.Dispose();
        using var second = pool.Rent();
        Assert.Same(first, second);
        Assert.Equal(1, pool.Allocated);
    }

    [Fact]
    public void A_block_returned_twice_is_kept_once()
    {
        using var pool = new LargeBlockMemoryPool();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();
        Assert.Equal(1, pool.Idle);
        using var a = pool.Rent();
        using var b = pool.Rent();
        Assert.NotSame(a, b);
        Assert.Equal(2, pool.Allocated);
    }

    [Fact]
    public void A_returned_block_can_no_longer_be_read()
    {
        using var pool = new LargeBlockMemoryPool();
        var block = pool.Rent();
        block.Dispose();
        Assert.Throws<ObjectDisposedException>(() => block.Memory);
    }

    [Fact]
    public void At_most_the_retained_number_of_idle_blocks_are_kept()
    {
        using var pool = new LargeBlockMemoryPool();
        var blocks = Enumerable.Range(0, LargeBlockMemoryPool.MaxRetainedBlocks + 44).Select(_ => pool.Rent()).ToList();
        blocks.ForEach(b => b.Dispose());
        Assert.Equal(LargeBlockMemoryPool.MaxRetainedBlocks, pool.Idle);
    }

    [Fact]
    public void More_than_a_block_is_refused()
    {
        using var pool = new LargeBlockMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockSize + 1));
    }

    [Fact]
    public async Task Kestrel_receives_uploads_into_the_large_blocks()
    {
        var factory = Assert.IsType<LargeBlockMemoryPoolFactory>(fixture.Host.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        var png = TestImages.Png(81, 320, 320);
        var form = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "big.png" }, { new StringContent("a dog"), "text" } };
        using var response = await fixture.Host.Http.PostAsync("/v1/score", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Kestrel took its transport's pool from this factory and rented blocks from it for the connection.
        Assert.NotEmpty(factory.Pools);
        Assert.True(factory.Pools.Sum(p => p.Allocated) > 0, "no block was rented from the verifier's pools");
    }
}
