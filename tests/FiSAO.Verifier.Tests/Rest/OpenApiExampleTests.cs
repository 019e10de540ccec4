using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FiSAO.Verifier.Tests.Support;

namespace FiSAO.Verifier.Tests.Rest;

/// <summary>
/// The OpenAPI document as Swagger UI uses it, against a real verifier that requires an API key: every request example
/// of every operation is sent as "Try it out" would send it (the key in the header the security scheme names, multipart
/// forms filled with the fields' examples and an image file, empty fields left out), must answer 200, and every answer
/// must match the documented response schema. Error answers must be documented as problem details.
/// </summary>
public class OpenApiExampleTests(VerifierFixture fixture) : IClassFixture<VerifierFixture>
{
    [Fact]
    public async Task Every_example_in_the_openapi_document_runs_and_answers_as_documented()
    {
        await using var host = await fixture.StartAnotherAsync(new Dictionary<string, string?> { ["Verifier:ApiKey"] = "try-it-out" });
        using var anonymous = new HttpClient { BaseAddress = new Uri(host.Address) };
        using var document = JsonDocument.Parse(await anonymous.GetStringAsync("/swagger/v1/swagger.json"));
        var root = document.RootElement;
        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("ApiKey", root.GetProperty("security")[0].EnumerateObject().Single().Name);
        using var authorized = new HttpClient { BaseAddress = new Uri(host.Address) };
        authorized.DefaultRequestHeaders.Add(scheme.GetProperty("name").GetString()!, "try-it-out");
        var validator = new SchemaValidator(root);

        var sent = 0;
        foreach (var path in root.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
            {
                var method = new HttpMethod(operation.Name.ToUpperInvariant());
                var op = operation.Value;
                var where = $"{method} {path.Name}";
                foreach (var response in op.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
                    Assert.True(response.Value.GetProperty("content").TryGetProperty("application/problem+json", out _),
                        $"{where}: {response.Name} is not documented as problem details");
                Assert.True(op.GetProperty("responses").TryGetProperty("401", out _), $"{where}: 401 undocumented");
                var success = op.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema");

                // Without the key: 401 problem details.
                using (var denied = await anonymous.SendAsync(new HttpRequestMessage(method, path.Name)))
                    Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);

                if (!op.TryGetProperty("requestBody", out var body))
                {
                    await Check(authorized, new HttpRequestMessage(method, path.Name), success, validator, where);
                    sent++;
                    continue;
                }
                foreach (var media in body.GetProperty("content").EnumerateObject())
                {
                    if (media.Name == "application/json")
                    {
                        var examples = media.Value.GetProperty("examples").EnumerateObject().ToList();
                        Assert.NotEmpty(examples);
                        foreach (var example in examples)
                        {
                            var value = example.Value.GetProperty("value");
                            validator.Validate(value, media.Value.GetProperty("schema"), $"{where} example '{example.Name}'", complete: false);
                            var answer = await Check(authorized, new HttpRequestMessage(method, path.Name)
                            {
                                Content = new StringContent(value.GetRawText(), Encoding.UTF8, "application/json"),
                            }, success, validator, $"{where} example '{example.Name}'");
                            if (path.Name == "/v1/score/batch") CheckBatchExample(value, answer);
                            sent++;
                        }
                    }
                    else
                    {
                        Assert.Equal("multipart/form-data", media.Name);
                        var form = new MultipartFormDataContent();
                        foreach (var property in media.Value.GetProperty("schema").GetProperty("properties").EnumerateObject())
                        {
                            if (property.Value.TryGetProperty("format", out var format) && format.GetString() == "binary")
                            {
                                var file = new ByteArrayContent(TestImages.Png(7100 + sent));
                                file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
                                form.Add(file, property.Name, "picked.png");
                            }
                            else
                            {
                                // Swagger UI fills a field with its example, or with "string" when it has none; it leaves
                                // empty fields out.
                                var text = property.Value.TryGetProperty("example", out var example) ? example.GetString() : "string";
                                if (!string.IsNullOrEmpty(text)) form.Add(new StringContent(text), property.Name);
                            }
                        }
                        await Check(authorized, new HttpRequestMessage(method, path.Name) { Content = form }, success, validator, $"{where} form");
                        sent++;
                    }
                }
            }
        Assert.True(sent >= 7, $"only {sent} examples were sent");
    }

    [Fact]
    public async Task A_form_as_swagger_ui_may_send_it_with_the_empty_tokens_field_still_scores()
    {
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(TestImages.Png(7200)), "image", "x.png" },
            { new StringContent("A dog on a sofa."), "text" }, { new StringContent(""), "tokens" }, { new StringContent(""), "calibration_id" },
        };
        using var response = await fixture.Host.Http.PostAsync("/v1/score", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    static async Task<JsonElement> Check(HttpClient client, HttpRequestMessage request, JsonElement schema, SchemaValidator validator, string where)
    {
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{where}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var answer = JsonDocument.Parse(text).RootElement.Clone();
        validator.Validate(answer, schema, where, complete: true);
        return answer;
    }

    /// <summary>The batch example says its third item fails alone with 404: it must.</summary>
    static void CheckBatchExample(JsonElement request, JsonElement answer)
    {
        Assert.Equal(request.GetArrayLength(), answer.GetArrayLength());
        var items = answer.EnumerateArray().ToList();
        Assert.All(items.Take(2), a => Assert.Equal(JsonValueKind.Object, a.GetProperty("result").ValueKind));
        Assert.Equal(404, items[2].GetProperty("error").GetProperty("status").GetInt32());
    }

    /// <summary>The subset of OpenAPI 3.0 schemas the document uses: $ref, allOf, type, nullable, enum, properties,
    /// items, additionalProperties. <c>complete</c>: every declared property must be present (an answer); otherwise
    /// only the present ones are checked (a request).</summary>
    sealed class SchemaValidator(JsonElement document)
    {
        public void Validate(JsonElement value, JsonElement schema, string where, bool complete)
        {
            if (schema.TryGetProperty("$ref", out var reference))
            {
                var name = reference.GetString()!.Split('/')[^1];
                Validate(value, document.GetProperty("components").GetProperty("schemas").GetProperty(name), $"{where} ({name})", complete);
                return;
            }
            var nullable = schema.TryGetProperty("nullable", out var n) && n.GetBoolean();
            if (value.ValueKind == JsonValueKind.Null)
            {
                Assert.True(nullable, $"{where}: null where the schema allows none");
                return;
            }
            if (schema.TryGetProperty("allOf", out var all))
                foreach (var part in all.EnumerateArray()) Validate(value, part, where, complete);
            if (schema.TryGetProperty("enum", out var values))
                Assert.Contains(values.EnumerateArray().Select(v => v.ToString()), v => v == value.ToString());
            if (!schema.TryGetProperty("type", out var type)) return;
            switch (type.GetString())
            {
                case "object":
                    Assert.True(value.ValueKind == JsonValueKind.Object, $"{where}: expected an object, got {value.ValueKind}");
                    var properties = schema.TryGetProperty("properties", out var p) ? p : default;
                    var declared = properties.ValueKind == JsonValueKind.Object ? properties.EnumerateObject().ToDictionary(x => x.Name, x => x.Value) : [];
                    var closed = schema.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind == JsonValueKind.False;
                    foreach (var field in value.EnumerateObject())
                    {
                        if (declared.TryGetValue(field.Name, out var fieldSchema)) Validate(field.Value, fieldSchema, $"{where}.{field.Name}", complete);
                        else if (closed || complete) Assert.Fail($"{where}: '{field.Name}' is not in the schema");
                    }
                    if (complete)
                        foreach (var name in declared.Keys) Assert.True(value.TryGetProperty(name, out _), $"{where}: '{name}' is missing");
                    if (schema.TryGetProperty("required", out var required))
                        foreach (var name in required.EnumerateArray()) Assert.True(value.TryGetProperty(name.GetString()!, out _), $"{where}: required '{name}' missing");
                    break;
                case "array":
                    Assert.True(value.ValueKind == JsonValueKind.Array, $"{where}: expected an array, got {value.ValueKind}");
                    var i = 0;
                    foreach (var item in value.EnumerateArray()) Validate(item, schema.GetProperty("items"), $"{where}[{i++}]", complete);
                    break;
                case "string":
                    Assert.True(value.ValueKind == JsonValueKind.String, $"{where}: expected a string, got {value.ValueKind}");
                    break;
                case "integer":
                    Assert.True(value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _), $"{where}: expected an integer, got {value}");
                    break;
                case "number":
                    Assert.True(value.ValueKind == JsonValueKind.Number, $"{where}: expected a number, got {value.ValueKind}");
                    break;
                case "boolean":
                    Assert.True(value.ValueKind is JsonValueKind.True or JsonValueKind.False, $"{where}: expected a boolean, got {value.ValueKind}");
                    break;
            }
        }
    }
}
