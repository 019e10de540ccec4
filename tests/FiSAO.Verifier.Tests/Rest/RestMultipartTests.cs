using System.Net;
using System.Net.Sockets;
using System.Text;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Verifier.Tests.Rest;

/// <summary>Multipart bodies are read into memory under the limits: no temporary files, and a body over a limit is
/// refused while it is still arriving.</summary>
public class RestMultipartTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task Multipart_images_over_64_KiB_are_never_written_to_temporary_files()
    {
        using var watcher = new FileSystemWatcher(AspNetCoreTemp.Directory) { IncludeSubdirectories = true };
        var created = new System.Collections.Concurrent.ConcurrentQueue<string>();
        watcher.Created += (_, e) => created.Enqueue(e.FullPath);
        watcher.EnableRaisingEvents = true;
        // The watcher sees files there (else the assertion below could not fail).
        var probe = Path.Combine(AspNetCoreTemp.Directory, "probe.tmp");
        await File.WriteAllTextAsync(probe, "x");
        File.Delete(probe);
        await WaitFor(() => created.Contains(probe));

        var png = TestImages.Png(51, 320, 320);   // about 300 KiB: ASP.NET's form reader would spill it to disk
        Assert.True(png.Length > 200 * 1024, $"{png.Length} bytes");
        var score = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "big.png" }, { new StringContent("a dog"), "text" } };
        using (var response = await fixture.Host.Http.PostAsync("/v1/score", score)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var embed = new MultipartFormDataContent { { new ByteArrayContent(png), "image", "big.png" } };
        using (var response = await fixture.Host.Http.PostAsync("/v1/embed", embed)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Task.Delay(300);
        Assert.Equal([probe], created.ToArray());
    }

    [Fact]
    public async Task An_image_over_the_limit_is_413_before_the_body_is_read_whole()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?> { ["Verifier:Limits:MaxImageBytes"] = "65536" });
        // The body announces 8 MiB; only 256 KiB of the image are sent, then the client waits for the answer.
        var head = "--b0undary\r\nContent-Disposition: form-data; name=\"image\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n";
        var answer = await SendPartly(host, "/v1/score", "multipart/form-data; boundary=b0undary", 8 << 20,
            [.. Encoding.ASCII.GetBytes(head), .. new byte[256 * 1024]]);
        Assert.StartsWith("HTTP/1.1 413", answer);
        Assert.Contains("application/problem+json", answer);
        Assert.Contains("65536", answer);
    }

    [Fact]
    public async Task A_body_announced_over_the_message_limit_is_413_before_any_of_it_is_read()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?> { ["Verifier:Limits:MaxMessageBytes"] = "1048576" });
        foreach (var (path, type) in new[] { ("/v1/score", "multipart/form-data; boundary=x"), ("/v1/score", "application/json"),
                     ("/v1/score/batch", "application/json"), ("/v1/embed", "multipart/form-data; boundary=x") })
        {
            var answer = await SendPartly(host, path, type, 2 << 20, []);
            Assert.StartsWith("HTTP/1.1 413", answer);
            Assert.Contains("application/problem+json", answer);
        }
    }

    /// <summary>Sends the request line, headers and <paramref name="sent"/> of a body of <paramref name="announced"/> bytes
    /// over a raw socket, then reads the answer without sending more: a server that reads the whole body first never answers.</summary>
    static async Task<string> SendPartly(VerifierHost host, string path, string contentType, int announced, byte[] sent)
    {
        var address = new Uri(host.Address);
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        var headers = $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: {contentType}\r\nContent-Length: {announced}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(headers));
        await stream.WriteAsync(sent);
        await stream.FlushAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[16 * 1024];
        var answer = new StringBuilder();
        while (!IsComplete(answer.ToString()))
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0) break;
            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        return answer.ToString();
    }

    static bool IsComplete(string answer)
    {
        var end = answer.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0) return false;
        var length = System.Text.RegularExpressions.Regex.Match(answer[..end], @"Content-Length: (\d+)",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        return length.Success
            ? Encoding.UTF8.GetByteCount(answer[(end + 4)..]) >= int.Parse(length.Groups[1].Value)
            : answer.EndsWith("\r\n0\r\n\r\n", StringComparison.Ordinal);
    }

    static async Task WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), "the file watcher saw nothing");
    }
}
