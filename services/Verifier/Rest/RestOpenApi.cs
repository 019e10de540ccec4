using System.Text.Json;
using System.Text.Json.Nodes;
using FiSAO.Verifier.Http;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace FiSAO.Verifier.Rest;

/// <summary>
/// What minimal-API metadata cannot say about the REST bodies: the JSON and multipart request bodies of each
/// operation with examples that run as shipped, the API key as a security scheme (Swagger UI's Authorize button) and
/// the 401 answer of every operation.
/// </summary>
public sealed class RestOpenApi(Microsoft.Extensions.Options.IOptions<HttpJsonOptions> json) : IOperationFilter
{
    public const string SecurityScheme = "ApiKey";

    /// <summary>The service's JSON settings, leaving out absent fields so an example shows only what it sends.</summary>
    JsonSerializerOptions ExampleOptions => _exampleOptions ??= new JsonSerializerOptions(json.Value.SerializerOptions)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    JsonSerializerOptions? _exampleOptions;

    public static void Configure(SwaggerGenOptions swagger)
    {
        swagger.AddSecurityDefinition(SecurityScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKey.Header,
            Description = "Needed when the verifier runs with `--api-key` (Verifier:ApiKey); health, metrics and this UI stay open.",
        });
        swagger.AddSecurityRequirement(document => new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(SecurityScheme, document)] = [],
        });
        // Nullable annotations become `nullable` (a null `result` or `error` of a batch item is documented, not a surprise);
        // a nullable reference to a schema needs allOf to carry it in OpenAPI 3.0.
        swagger.SupportNonNullableReferenceTypes();
        swagger.UseAllOfToExtendReferenceSchemas();
        swagger.OperationFilter<RestOpenApi>();
    }

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) != true) return;
        operation.Responses ??= new OpenApiResponses();
        operation.Responses["401"] = Problem(context, "Missing or wrong API key (x-api-key header).");
        switch (operation.OperationId)
        {
            case "Score":
                operation.RequestBody = Body("An image and a caption or tokens, as JSON or as a multipart form.",
                    ("application/json", JsonMedia(context, typeof(ScoreRequest), new()
                    {
                        ["caption"] = ("A caption with the image in base64", RestExamples.CaptionWithImage),
                        ["tokens by image id"] = ("The policy's tokens for an image sent before (run the caption example first)",
                            RestExamples.TokensByImageId),
                    })),
                    ("multipart/form-data", ImageForm(withResponse: true)));
                break;
            case "ScoreBatch":
                operation.RequestBody = Body("Score requests as `POST /v1/score` takes them as JSON.",
                    ("application/json", JsonMedia(context, typeof(List<ScoreRequest>), new()
                    {
                        ["three items, one failing"] = ("The second item refers to the image the first sends; the third to an " +
                                                        "image the verifier does not hold, so it alone answers 404",
                            new[] { RestExamples.CaptionWithImage, RestExamples.TokensByImageId,
                                new ScoreRequest(ImageId: RestExamples.UnknownImageId, Text: "a cat") }),
                    })));
                break;
            case "Embed":
                operation.RequestBody = Body("A text as JSON, or an image as a multipart form.",
                    ("application/json", JsonMedia(context, typeof(EmbedTextBody), new()
                    {
                        ["text"] = ("A text", new EmbedTextBody("a photo of a dog")),
                        ["empty text"] = ("Embeds as HF's CLIP embeds <|startoftext|><|endoftext|>", new EmbedTextBody("")),
                    })),
                    ("multipart/form-data", ImageForm(withResponse: false)));
                break;
        }
    }

    static OpenApiRequestBody Body(string description, params (string ContentType, OpenApiMediaType Media)[] media) => new()
    {
        Description = description,
        Required = true,
        Content = media.ToDictionary(m => m.ContentType, m => (IOpenApiMediaType)m.Media),
    };

    OpenApiMediaType JsonMedia(OperationFilterContext context, Type type, Dictionary<string, (string Summary, object Value)> examples) => new()
    {
        Schema = context.SchemaGenerator.GenerateSchema(type, context.SchemaRepository),
        Examples = examples.ToDictionary(e => e.Key, e => (IOpenApiExample)new OpenApiExample
        {
            Summary = e.Value.Summary,
            Value = JsonSerializer.SerializeToNode(e.Value.Value, ExampleOptions),
        }),
    };

    /// <summary>The form Swagger UI shows: a file picker, and a caption already filled in. <c>tokens</c> starts empty, which
    /// Swagger UI does not send, so "Try it out" with just a file works (a filled-in placeholder for both would be 400).</summary>
    static OpenApiMediaType ImageForm(bool withResponse)
    {
        var properties = new Dictionary<string, IOpenApiSchema>
        {
            ["image"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The image file (PNG, JPEG, WebP, GIF, BMP)." },
        };
        if (withResponse)
        {
            properties["text"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String, Description = "A caption; the service splits it into words. Leave empty when sending `tokens`.",
                Example = JsonValue.Create(RestExamples.Caption),
            };
            properties["tokens"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String, Description = "The policy's tokens as a JSON array of strings, e.g. `[\"▁A\", \"▁dog\"]`; instead of `text`.",
                Example = JsonValue.Create(""),
            };
            properties["calibration_id"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String, Description = "Score with this calibration instead of the active one (optional).",
                Example = JsonValue.Create(""),
            };
        }
        return new OpenApiMediaType
        {
            Schema = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = properties, Required = new HashSet<string> { "image" } },
        };
    }

    static OpenApiResponse Problem(OperationFilterContext context, string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType>
        {
            ["application/problem+json"] = new OpenApiMediaType
            {
                Schema = context.SchemaGenerator.GenerateSchema(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), context.SchemaRepository),
            },
        },
    };
}
