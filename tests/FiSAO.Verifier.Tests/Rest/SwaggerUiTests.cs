using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Verifier.Tests.Rest;

/// <summary>
/// Swagger UI as a person uses it, in headless Chromium driven over the DevTools protocol: the API key given through
/// Swagger UI's own authorisation (the security scheme), then for every operation "Try it out" and "Execute" with each
/// JSON example and the multipart form as shipped (only a file picked), reading the status Swagger UI shows. Needs
/// Debian's <c>chromium</c> package (or FISAO_CHROMIUM naming a Chromium binary); skipped where there is none.
/// </summary>
public class SwaggerUiTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [SkippableFact]
    public async Task Every_operation_runs_from_swagger_ui_as_shipped()
    {
        var chromium = FindChromium();
        Skip.If(chromium is null, "no chromium on PATH (apt-get install chromium) and FISAO_CHROMIUM unset");
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?> { ["Verifier:ApiKey"] = "ui-key" });
        var png = Path.Combine(fixture.Root, "picked.png");
        await File.WriteAllBytesAsync(png, TestImages.Png(8100));

        await using var browser = await Browser.StartAsync(chromium!, Path.Combine(fixture.Root, "chromium-profile"));
        await browser.Call("Page.enable");
        await browser.Call("Page.navigate", new JsonObject { ["url"] = host.Address + "/swagger/index.html" });
        await browser.WaitFor("document.querySelectorAll('.opblock').length >= 4 && !!window.ui");
        await browser.Evaluate("window.ui.preauthorizeApiKey('ApiKey', 'ui-key')");
        var operations = (await browser.Evaluate("[...document.querySelectorAll('.opblock')].map(o => o.id)"))!.AsArray()
            .Select(o => o!.GetValue<string>()).ToList();
        Assert.Equal(4, operations.Count);

        var outcomes = new List<string>();
        foreach (var op in operations)
        {
            var block = $"document.getElementById('{op}')";
            await browser.Evaluate($"({block}.querySelector('button.opblock-summary-control') || {block}.querySelector('.opblock-summary')).click()");
            await browser.WaitFor($"!!{block}.querySelector('.try-out__btn')");
            await browser.Evaluate($"{block}.querySelector('.try-out__btn').click()");
            await browser.WaitFor($"!!{block}.querySelector('button.execute')");
            var contentTypes = (await browser.Evaluate($"(() => {{ const s = {block}.querySelector('.body-param-content-type select'); return s ? [...s.options].map(o => o.value) : []; }})()"))!
                .AsArray().Select(c => c!.GetValue<string>()).ToList();
            if (contentTypes.Count == 0) outcomes.Add($"{op}: {await Execute(browser, block)}");
            foreach (var contentType in contentTypes)
            {
                await Select(browser, $"{block}.querySelector('.body-param-content-type select')", contentType);
                if (contentType == "multipart/form-data")
                {
                    await browser.PickFile($"#{op} input[type=file]", png);
                    outcomes.Add($"{op} form: {await Execute(browser, block)}");
                    continue;
                }
                var examples = (await browser.Evaluate($"(() => {{ const s = {block}.querySelector('.examples-select select'); return s ? [...s.options].map(o => o.value) : ['']; }})()"))!
                    .AsArray().Select(e => e!.GetValue<string>()).ToList();
                foreach (var example in examples)
                {
                    if (example.Length > 0) await Select(browser, $"{block}.querySelector('.examples-select select')", example);
                    outcomes.Add($"{op} example '{example}': {await Execute(browser, block)}");
                }
            }
        }
        // Score: 2 JSON examples + the form; batch: 1; embed: 2 + the form; info.
        Assert.Equal(8, outcomes.Count);
        Assert.All(outcomes, o => Assert.EndsWith(": 200", o));
    }

    static async Task<string> Execute(Browser browser, string block)
    {
        await browser.Evaluate($"{block}.querySelector('button.execute').click()");
        var status = (await browser.WaitFor(
            $"(() => {{ const c = {block}.querySelector('.live-responses-table tbody .response-col_status'); return c && c.textContent.trim(); }})()"))!.GetValue<string>();
        await browser.Evaluate($"(() => {{ const c = {block}.querySelector('.btn-clear'); if (c) c.click(); }})()");
        await browser.WaitFor($"!{block}.querySelector('.live-responses-table tbody .response-col_status')");
        return status.Split(' ', '\n')[0];
    }

    static async Task Select(Browser browser, string select, string value)
    {
        await browser.Evaluate($"(() => {{ const s = {select}; s.value = {JsonSerializer.Serialize(value)}; s.dispatchEvent(new Event('change', {{ bubbles: true }})); }})()");
        await Task.Delay(300);
    }

    static string? FindChromium()
    {
        if (Environment.GetEnvironmentVariable("FISAO_CHROMIUM") is { Length: > 0 } configured) return configured;
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .SelectMany(dir => new[] { "chromium", "chromium-browser" }.Select(name => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>Headless Chromium with one page, spoken to over its DevTools WebSocket.</summary>
    sealed class Browser : IAsyncDisposable
    {
        readonly Process _process;
        readonly ClientWebSocket _socket = new();
        int _id;

        Browser(Process process) => _process = process;

        public static async Task<Browser> StartAsync(string chromium, string profile)
        {
            Directory.CreateDirectory(profile);
            var start = new ProcessStartInfo(chromium)
            {
                ArgumentList = { "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0", $"--user-data-dir={profile}", "about:blank" },
                RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
            };
            var browser = new Browser(Process.Start(start)!);
            // Chromium writes the port it chose into the profile.
            var portFile = Path.Combine(profile, "DevToolsActivePort");
            for (var i = 0; i < 150 && !File.Exists(portFile); i++) await Task.Delay(100);
            var port = (await File.ReadAllLinesAsync(portFile))[0];
            using var http = new HttpClient();
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json"))!.AsArray();
            var page = targets.First(t => t!["type"]!.GetValue<string>() == "page")!;
            await browser._socket.ConnectAsync(new Uri(page["webSocketDebuggerUrl"]!.GetValue<string>()), CancellationToken.None);
            return browser;
        }

        public async Task<JsonNode?> Call(string method, JsonObject? parameters = null)
        {
            var id = ++_id;
            var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (true)
            {
                var reply = JsonNode.Parse(await Receive(timeout.Token), documentOptions: new JsonDocumentOptions { MaxDepth = 1024 })!;
                if (reply["id"]?.GetValue<int>() != id) continue;   // events
                if (reply["error"] is { } error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
                return reply["result"];
            }
        }

        public async Task<JsonNode?> Evaluate(string expression)
        {
            var result = await Call("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
            if (result!["exceptionDetails"] is { } exception) throw new InvalidOperationException($"{expression}: {exception.ToJsonString()}");
            return result["result"]!["value"];
        }

        public async Task<JsonNode> WaitFor(string expression)
        {
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                var value = await Evaluate(expression);
                if (value is not null && !(value.GetValueKind() == JsonValueKind.False) && !(value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() == ""))
                    return value;
                await Task.Delay(100);
            }
            throw new TimeoutException($"Swagger UI never showed: {expression}");
        }

        public async Task PickFile(string selector, string path)
        {
            var document = await Call("DOM.getDocument", new JsonObject { ["depth"] = 0 });
            var node = await Call("DOM.querySelector", new JsonObject { ["nodeId"] = document!["root"]!["nodeId"]!.GetValue<int>(), ["selector"] = selector });
            var nodeId = node!["nodeId"]!.GetValue<int>();
            Assert.True(nodeId != 0, $"no file input {selector}");
            await Call("DOM.setFileInputFiles", new JsonObject { ["nodeId"] = nodeId, ["files"] = new JsonArray(path) });
        }

        async Task<string> Receive(CancellationToken cancellationToken)
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer, cancellationToken);
                message.Write(buffer, 0, result.Count);
            } while (!result.EndOfMessage);
            return Encoding.UTF8.GetString(message.ToArray());
        }

        public async ValueTask DisposeAsync()
        {
            _socket.Dispose();
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
