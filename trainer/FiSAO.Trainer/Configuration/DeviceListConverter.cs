using System.Text.Json;
using System.Text.Json.Serialization;

namespace FiSAO.Trainer.Configuration;

/// <summary>
/// <c>policy.devices</c> as a JSON array of device names, or as one comma-separated string: what
/// <c>--set policy.devices=cuda:0,cuda:1</c> gives (the value is not JSON, so the override passes it as a string).
/// Written back as an array.
/// </summary>
public sealed class DeviceListConverter : JsonConverter<string[]>
{
    public override string[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return [.. reader.GetString()!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
            case JsonTokenType.StartArray:
                var devices = new List<string>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.String) throw new JsonException("policy.devices must hold device names (strings).");
                    devices.Add(reader.GetString()!.Trim());
                }
                return [.. devices];
            default:
                throw new JsonException("policy.devices must be an array of device names or a comma-separated string.");
        }
    }

    public override void Write(Utf8JsonWriter writer, string[] value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var device in value) writer.WriteStringValue(device);
        writer.WriteEndArray();
    }
}
