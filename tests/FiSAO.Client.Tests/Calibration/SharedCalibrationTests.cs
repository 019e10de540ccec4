using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FiSAO.Client.Testing;
using FiSAO.Verifier.Tests.Support;
using FiSAO.Verifier.V1;
using Google.Protobuf;
using Grpc.Core;

namespace FiSAO.Client.Tests.Calibration;

/// <summary>
/// Two verifier processes serving one data directory, as replicas behind a Service do: a calibration applied through one
/// is served by both within seconds, every answer names it, and only the admin key may apply one.
/// </summary>
public sealed class SharedCalibrationTests : IAsyncLifetime
{
    const string AdminKey = "admin-secret-for-tests";
    static readonly string[] Tokens = ["A", " dog", " sleeps", " next", " to", " a", " cat", "."];

    readonly string _store = Directory.CreateTempSubdirectory("fisao-shared-calibration-").FullName;
    VerifierProcess _a = null!, _b = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string>
        {
            ["Verifier:CalibrationDirectory"] = _store,
            ["Verifier:AdminApiKey"] = AdminKey,
        };
        _a = await TinyVerifierModel.StartVerifierAsync(settings);
        _b = await TinyVerifierModel.StartVerifierAsync(settings);
    }

    [Fact]
    public async Task A_calibration_applied_through_one_replica_is_served_by_both_within_5_seconds()
    {
        using var plainA = FiSAOVerifierClient.Create(_a.Address);
        using var adminA = new FiSAOVerifierClient(new FiSAOClientOptions { Addresses = [_a.Address], AdminApiKey = AdminKey });
        using var clientB = FiSAOVerifierClient.Create(_b.Address);
        var request = await SeparableCalibrationAsync(plainA);

        // Without the admin key: PERMISSION_DENIED, and nothing changes anywhere.
        request.Apply = true;
        var denied = await Assert.ThrowsAsync<RpcException>(() => plainA.CalibrateAsync(request));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("x-admin-key", denied.Status.Detail);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_store));
        Assert.False((await plainA.GetInfoAsync()).Calibrated);
        Assert.False((await clientB.GetInfoAsync()).Calibrated);

        var applied = await adminA.CalibrateAsync(request);
        Assert.True(applied.Applied, applied.NotAppliedReason);
        Assert.Matches("^[0-9a-f]{16}$", applied.CalibrationId);
        Assert.Equal(applied.CalibrationId, (await plainA.GetInfoAsync()).CalibrationId);

        var watch = Stopwatch.StartNew();
        GetInfoResponse infoB;
        while ((infoB = await clientB.GetInfoAsync()).CalibrationId != applied.CalibrationId && watch.Elapsed < TimeSpan.FromSeconds(5))
            await Task.Delay(100);
        Assert.True(infoB.CalibrationId == applied.CalibrationId,
            $"replica B still serves '{infoB.CalibrationId}' {watch.Elapsed.TotalSeconds:F1} s after the apply");
        Assert.Equal(applied.Calibration.MuGt, infoB.Calibration.MuGt);

        var image = TestImages.Png(700);
        var fromA = await plainA.ScoreAsync(image, Tokens, TokenFormat.Plain);
        var fromB = await clientB.ScoreAsync(image, Tokens, TokenFormat.Plain);
        Assert.Equal(applied.CalibrationId, fromA.CalibrationId);
        Assert.Equal(applied.CalibrationId, fromB.CalibrationId);
        Assert.True(fromA.Calibrated && fromB.Calibrated);
        Assert.Equal(fromA.Rewards, fromB.Rewards);
        Assert.Contains(fromA.Rewards, r => r != 0);

        // REST names it too.
        using var http = new HttpClient { BaseAddress = new Uri(_b.Address) };
        using var info = JsonDocument.Parse(await http.GetStringAsync("/v1/info"));
        Assert.Equal(applied.CalibrationId, info.RootElement.GetProperty("calibration_id").GetString());
        var (status, body) = await RestScoreAsync(http, image, null);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(applied.CalibrationId, body.RootElement.GetProperty("calibration_id").GetString());
    }

    [Fact]
    public async Task A_request_may_pin_a_calibration_and_an_unknown_id_is_not_found()
    {
        using var adminA = new FiSAOVerifierClient(new FiSAOClientOptions { Addresses = [_a.Address], AdminApiKey = AdminKey });
        var request = await SeparableCalibrationAsync(adminA);
        request.Apply = true;
        var first = await adminA.CalibrateAsync(request);
        Assert.True(first.Applied, first.NotAppliedReason);
        // A second calibration on other samples becomes the active one.
        var second = await adminA.CalibrateAsync(await SeparableCalibrationAsync(adminA, firstImage: 900, apply: true));
        Assert.True(second.Applied, second.NotAppliedReason);
        Assert.NotEqual(first.CalibrationId, second.CalibrationId);

        // Replica B never saw the first one in memory: it finds it in the shared store.
        using var pinned = new FiSAOVerifierClient(new FiSAOClientOptions { Addresses = [_b.Address], CalibrationId = first.CalibrationId });
        var scored = await pinned.ScoreAsync(TestImages.Png(701), Tokens, TokenFormat.Plain);
        Assert.Equal(first.CalibrationId, scored.CalibrationId);

        using var client = FiSAOVerifierClient.Create(_b.Address);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.ScoreTokensAsync(new ScoreTokensRequest
        {
            Image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(702)) }, Tokens = { Tokens }, TokenFormat = TokenFormat.Plain,
            CalibrationId = "0123456789abcdef",
        }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Unknown calibration id '0123456789abcdef'", unknown.Status.Detail);

        using var http = new HttpClient { BaseAddress = new Uri(_b.Address) };
        var (status, body) = await RestScoreAsync(http, TestImages.Png(703), "0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("0123456789abcdef", body.RootElement.GetProperty("detail").GetString());
    }

    /// <summary>A random CLIP separates nothing, so each image's better-scoring object is declared present: then correct
    /// mentions score above hallucinated ones and the calibration is usable.</summary>
    static async Task<CalibrateRequest> SeparableCalibrationAsync(FiSAOVerifierClient client, int firstImage = 800, bool apply = false)
    {
        var request = new CalibrateRequest { Apply = apply };
        for (int i = 0; i < 6; i++)
        {
            var image = new ImageRef { Data = ByteString.CopyFrom(TestImages.Png(firstImage + i)) };
            var scored = await client.ScoreTokensAsync(new ScoreTokensRequest { Image = image, Tokens = { Tokens }, TokenFormat = TokenFormat.Plain });
            var present = scored.Mentions.MaxBy(m => m.Score)!;
            request.Samples.Add(new CalibrationSample { Image = image, Text = "A dog sleeps next to a cat.", GroundTruthObjects = { present.Entity } });
        }
        return request;
    }

    static async Task<(HttpStatusCode Status, JsonDocument Body)> RestScoreAsync(HttpClient http, byte[] png, string? calibrationId)
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(png);
        image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(image, "image", "scene.png");
        form.Add(new StringContent("A dog sleeps next to a cat."), "text");
        if (calibrationId is not null) form.Add(new StringContent(calibrationId), "calibration_id");
        using var response = await http.PostAsync("/v1/score", form);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        try { Directory.Delete(_store, recursive: true); } catch (IOException) { }
    }
}
