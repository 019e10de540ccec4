using FiSAO.Models.Torch;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Tests.Support;
using Google.Protobuf;

namespace FiSAO.Verifier.Tests.Model;

/// <summary>
/// <c>--dtype bf16</c> on CPU: served where the processor has bf16 instructions (features within cosine 0.999 of the
/// fp32 replica's, its own entity-feature cache), refused at start-up with the reason everywhere else.
/// </summary>
public class Bf16ServingTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task Cpu_bf16_serves_close_to_fp32_where_the_processor_has_bf16_and_is_refused_elsewhere()
    {
        if (!CpuFeatures.Current.HasBf16MatrixProducts)
        {
            var e = await Assert.ThrowsAsync<VerifierStartupException>(() => fixture.StartAnotherAsync(null, "--dtype", "bf16"));
            Assert.Contains("AVX512_BF16", e.Message);
            return;
        }

        await using var bf16 = await fixture.StartAnotherAsync(null, "--dtype", "bf16");
        Assert.Contains("cpu/bf16", await bf16.Http.GetStringAsync("/v1/info"));
        var image = new V1.ImageRef { Data = ByteString.CopyFrom(TestImages.Png(21)) };
        AssertClose((await fixture.Host.Client.EmbedAsync(new V1.EmbedRequest { Image = image })).Embedding.ToArray(),
            (await bf16.Client.EmbedAsync(new V1.EmbedRequest { Image = image })).Embedding.ToArray(), "image");
        AssertClose((await fixture.Host.Client.EmbedAsync(new V1.EmbedRequest { Text = "a red circle" })).Embedding.ToArray(),
            (await bf16.Client.EmbedAsync(new V1.EmbedRequest { Text = "a red circle" })).Embedding.ToArray(), "text");
        Assert.Single(Directory.GetFiles(Path.Combine(fixture.DataDirectory, "text-features"), "*-bf16.f32"));
    }

    static void AssertClose(float[] fp32, float[] bf16, string what)
    {
        Assert.Equal(fp32.Length, bf16.Length);
        double dot = 0, a = 0, b = 0;
        for (var i = 0; i < fp32.Length; i++) (dot, a, b) = (dot + fp32[i] * bf16[i], a + fp32[i] * fp32[i], b + bf16[i] * bf16[i]);
        var cosine = dot / Math.Sqrt(a * b);
        Assert.True(cosine >= 0.999, $"{what}: cosine {cosine:F6} < 0.999");
        Assert.NotEqual(fp32, bf16); // bf16 really ran
    }
}
