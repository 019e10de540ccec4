using System.Text.Json;

namespace FiSAO.Models.Imaging;

/// <summary>
/// HF <c>CLIPImageProcessor</c> settings (<c>preprocessor_config.json</c>), with HF's defaults for absent keys,
/// plus <see cref="MaxPixels"/>, which is ours.
/// </summary>
public sealed record ClipImageProcessorConfig
{
    /// <summary>OPENAI_CLIP_MEAN in HF's image_utils.</summary>
    public static readonly IReadOnlyList<double> OpenAiClipMean = [0.48145466, 0.4578275, 0.40821073];

    /// <summary>OPENAI_CLIP_STD in HF's image_utils.</summary>
    public static readonly IReadOnlyList<double> OpenAiClipStd = [0.26862954, 0.26130258, 0.27577711];

    public bool DoResize { get; init; } = true;

    /// <summary>Resize the shorter side to this (HF <c>{"shortest_edge": N}</c> or a bare int). Null when <see cref="ResizeHeight"/>/<see cref="ResizeWidth"/> are set.</summary>
    public int? ShortestEdge { get; init; } = 224;

    /// <summary>Fixed output size (HF <c>{"height": H, "width": W}</c>), used when <see cref="ShortestEdge"/> is null.</summary>
    public int? ResizeHeight { get; init; }

    public int? ResizeWidth { get; init; }

    public PilResampling Resample { get; init; } = PilResampling.Bicubic;

    public bool DoCenterCrop { get; init; } = true;

    public int CropHeight { get; init; } = 224;

    public int CropWidth { get; init; } = 224;

    public bool DoRescale { get; init; } = true;

    public double RescaleFactor { get; init; } = 1.0 / 255;

    public bool DoNormalize { get; init; } = true;

    public IReadOnlyList<double> ImageMean { get; init; } = OpenAiClipMean;

    public IReadOnlyList<double> ImageStd { get; init; } = OpenAiClipStd;

    /// <summary>
    /// Kept for fidelity to the file; decoding always yields RGB because the CLIP vision tower takes exactly three
    /// channels (HF with <c>do_convert_rgb=false</c> would pass a grayscale or RGBA array on and fail later).
    /// </summary>
    public bool DoConvertRgb { get; init; } = true;

    /// <summary>Largest width x height accepted, checked from the header before decoding. Not an HF key.</summary>
    public long MaxPixels { get; init; } = 50_000_000;

    /// <summary>Reads <c>preprocessor_config.json</c> from an HF model folder.</summary>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON or a key has an unusable value.</exception>
    public static ClipImageProcessorConfig FromDirectory(string directory) =>
        FromFile(Path.Combine(directory, "preprocessor_config.json"));

    /// <inheritdoc cref="FromDirectory"/>
    public static ClipImageProcessorConfig FromFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CLIP image processor config not found at '{path}'.", path);
        }

        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
    }

    /// <summary>Parses the JSON text of a <c>preprocessor_config.json</c>; unknown keys are ignored.</summary>
    public static ClipImageProcessorConfig FromJson(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"expected a JSON object, got {root.ValueKind}");
            }

            var config = new ClipImageProcessorConfig();
            config = config with
            {
                DoResize = Bool(root, "do_resize") ?? config.DoResize,
                Resample = ResampleValue(root) ?? config.Resample,
                DoCenterCrop = Bool(root, "do_center_crop") ?? config.DoCenterCrop,
                DoRescale = Bool(root, "do_rescale") ?? config.DoRescale,
                RescaleFactor = Number(root, "rescale_factor") ?? config.RescaleFactor,
                DoNormalize = Bool(root, "do_normalize") ?? config.DoNormalize,
                ImageMean = PerChannel(root, "image_mean") ?? config.ImageMean,
                ImageStd = PerChannel(root, "image_std") ?? config.ImageStd,
                DoConvertRgb = Bool(root, "do_convert_rgb") ?? config.DoConvertRgb,
            };

            if (root.TryGetProperty("size", out JsonElement size) && size.ValueKind != JsonValueKind.Null)
            {
                // get_size_dict(size, default_to_square=False): an int means the shortest edge.
                (int? shortest, int? height, int? width) = SizeDict(size, "size", intIsSquare: false);
                config = config with { ShortestEdge = shortest, ResizeHeight = height, ResizeWidth = width };
            }

            if (root.TryGetProperty("crop_size", out JsonElement crop) && crop.ValueKind != JsonValueKind.Null)
            {
                (int? shortest, int? height, int? width) = SizeDict(crop, "crop_size", intIsSquare: true);
                if (shortest is not null || height is null || width is null)
                {
                    throw new InvalidDataException("crop_size must be an int or {\"height\", \"width\"}");
                }

                config = config with { CropHeight = height.Value, CropWidth = width.Value };
            }

            config.Validate();
            return config;
        }
    }

    /// <summary>Rejects settings that cannot produce an image.</summary>
    public void Validate()
    {
        if (DoResize && ShortestEdge is null && (ResizeHeight is null || ResizeWidth is null))
        {
            throw new InvalidDataException("size must contain 'shortest_edge' or both 'height' and 'width'");
        }

        if (ShortestEdge <= 0 || ResizeHeight <= 0 || ResizeWidth <= 0 || CropHeight <= 0 || CropWidth <= 0)
        {
            throw new InvalidDataException("sizes must be positive");
        }

        if (ImageMean.Count != 3 || ImageStd.Count != 3)
        {
            throw new InvalidDataException("image_mean and image_std need one value or three");
        }

        if (DoNormalize && ImageStd.Any(s => s == 0))
        {
            throw new InvalidDataException("image_std must not contain 0");
        }

        if (MaxPixels <= 0)
        {
            throw new InvalidDataException("MaxPixels must be positive");
        }

        if (!Enum.IsDefined(Resample))
        {
            throw new InvalidDataException($"resample {(int)Resample} is not a PIL filter (0-5)");
        }
    }

    private static (int? Shortest, int? Height, int? Width) SizeDict(JsonElement value, string key, bool intIsSquare)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                int n = Int(value, key);
                return intIsSquare ? (null, n, n) : (n, null, null);
            case JsonValueKind.Array when value.GetArrayLength() == 2:
                return (null, Int(value[0], key), Int(value[1], key)); // (height, width)
            case JsonValueKind.Object:
                if (value.TryGetProperty("shortest_edge", out JsonElement s))
                {
                    return (Int(s, key + ".shortest_edge"), null, null);
                }

                if (value.TryGetProperty("height", out JsonElement h) && value.TryGetProperty("width", out JsonElement w))
                {
                    return (null, Int(h, key + ".height"), Int(w, key + ".width"));
                }

                throw new InvalidDataException($"{key} must contain 'shortest_edge' or both 'height' and 'width', got {value.GetRawText()}");
            default:
                throw new InvalidDataException($"{key} must be an int, [height, width] or an object, got {value.GetRawText()}");
        }
    }

    private static int Int(JsonElement value, string key) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n)
            ? n
            : throw new InvalidDataException($"{key} must be an integer, got {value.GetRawText()}");

    private static bool? Bool(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{key} must be true or false, got {v.GetRawText()}"),
        };
    }

    private static double? Number(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number
            ? v.GetDouble()
            : throw new InvalidDataException($"{key} must be a number, got {v.GetRawText()}");
    }

    private static PilResampling? ResampleValue(JsonElement root) =>
        Number(root, "resample") is double r
            ? r is >= 0 and <= 5 && r == Math.Floor(r)
                ? (PilResampling)(int)r
                : throw new InvalidDataException($"resample {r} is not a PIL filter (0-5)")
            : null;

    /// <summary>HF accepts one number for all channels or a list with one per channel.</summary>
    private static IReadOnlyList<double>? PerChannel(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            double x = v.GetDouble();
            return [x, x, x];
        }

        if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
        {
            double[] values = v.EnumerateArray().Select(e => e.GetDouble()).ToArray();
            return values.Length == 3 ? values : throw new InvalidDataException($"{key} needs 3 values (RGB), got {values.Length}");
        }

        throw new InvalidDataException($"{key} must be a number or a list of numbers, got {v.GetRawText()}");
    }
}
