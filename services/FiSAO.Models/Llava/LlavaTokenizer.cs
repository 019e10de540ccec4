using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace FiSAO.Models.Llava;

/// <summary>
/// The LLaVA-1.5 tokenizer: LLaMA's SentencePiece BPE model (<c>tokenizer.model</c>, read by Microsoft.ML.Tokenizers'
/// <see cref="LlamaTokenizer"/>) plus llava-hf's added tokens (<c>&lt;image&gt;</c> = 32000, <c>&lt;pad&gt;</c> = 32001, from
/// <c>added_tokens.json</c> and/or <c>tokenizer_config.json</c>'s <c>added_tokens_decoder</c>).
/// <para>
/// Encoding follows HF's LlamaTokenizer in legacy mode, which is what llava-hf/llava-1.5-7b-hf and LLaVA's own
/// training produce: the text is split at added/special tokens (<c>&lt;image&gt;</c>, <c>&lt;pad&gt;</c>, <c>&lt;s&gt;</c>,
/// <c>&lt;/s&gt;</c>, <c>&lt;unk&gt;</c>), and every text piece is encoded on its own with SentencePiece's dummy-prefix
/// space. So "USER: &lt;image&gt;\nWhat" gives [&lt;s&gt;, ▁US, ER, :, ▁, &lt;image&gt;, ▁, &lt;0x0A&gt;, What]
/// = [1, 3148, 1001, 29901, 29871, 32000, 29871, 13, 5618] with the real vocabulary. BOS is prepended when
/// <c>add_bos_token</c> (default true); EOS is never appended to prompts. A tokenizer_config.json with
/// <c>"legacy": false</c> gets HF's non-legacy behaviour instead: no dummy prefix on text that follows an added token.
/// </para>
/// </summary>
public sealed class LlavaTokenizer
{
    public const string ModelFileName = "tokenizer.model";
    public const string AddedTokensFileName = "added_tokens.json";
    public const string ConfigFileName = "tokenizer_config.json";
    public const string ImageToken = "<image>";
    public const string PadToken = "<pad>";
    public const string PromptPlaceholder = "{prompt}";

    /// <summary>LLaVA-1.5's single-turn template (llava-hf model card), without a system prompt.</summary>
    public const string DefaultChatTemplate = "USER: <image>\n{prompt} ASSISTANT:";

    private readonly LlamaTokenizer _sentencePiece;
    private readonly string[] _pieces;
    private readonly Dictionary<string, int> _pieceIds;
    private readonly Dictionary<string, int> _splitTokens; // content -> id, matched in the text
    private readonly HashSet<int> _addedIds;
    private readonly HashSet<int> _specialIds;

    private LlavaTokenizer(LlamaTokenizer sentencePiece, IReadOnlyDictionary<string, int> addedTokens, bool addBos, string? padToken, bool legacy)
    {
        Legacy = legacy;
        _sentencePiece = sentencePiece;
        var vocab = sentencePiece.Vocabulary;
        var size = Math.Max(vocab.Count == 0 ? 0 : vocab.Values.Max() + 1, addedTokens.Count == 0 ? 0 : addedTokens.Values.Max() + 1);
        _pieces = new string[size];
        foreach (var (piece, id) in vocab) _pieces[id] = piece;
        _pieceIds = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        _addedIds = [];
        foreach (var (content, id) in addedTokens)
        {
            if (id < 0) throw new InvalidDataException($"Added token '{content}' has a negative id {id}.");
            if (_pieces[id] is { } existing && existing != content)
                throw new InvalidDataException($"Added token '{content}' claims id {id}, which the SentencePiece model uses for '{existing}'.");
            if (_pieces[id] is null) _addedIds.Add(id);
            _pieces[id] = content;
            _pieceIds[content] = id;
        }

        BosId = sentencePiece.BeginningOfSentenceId;
        EosId = sentencePiece.EndOfSentenceId;
        UnknownId = sentencePiece.UnknownId;
        AddBos = addBos;
        ImageTokenId = _pieceIds.TryGetValue(ImageToken, out var image) ? image : null;
        PadId = padToken is not null && _pieceIds.TryGetValue(padToken, out var pad) ? pad : null;

        _splitTokens = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (content, id) in addedTokens) _splitTokens[content] = id;
        foreach (var id in new[] { BosId, EosId, UnknownId })
            if (id >= 0 && id < _pieces.Length && _pieces[id] is { Length: > 0 } piece) _splitTokens.TryAdd(piece, id);
        _specialIds = [.. _splitTokens.Values];
    }

    public int BosId { get; }

    public int EosId { get; }

    public int UnknownId { get; }

    /// <summary><c>&lt;pad&gt;</c>'s id (32001 in llava-hf), or null when the tokenizer has no pad token.</summary>
    public int? PadId { get; }

    /// <summary><c>&lt;image&gt;</c>'s id (32000), or null when the tokenizer has none.</summary>
    public int? ImageTokenId { get; }

    public bool AddBos { get; }

    /// <summary>HF's <c>legacy</c> flag (default true, as llava-hf behaves): text after an added token gets the dummy prefix too.</summary>
    public bool Legacy { get; }

    /// <summary>Ids the tokenizer knows: SentencePiece pieces and added tokens (32002 for LLaVA-1.5; the model's
    /// vocab_size, 32064, is padded beyond it).</summary>
    public int Count => _pieces.Length;

    /// <summary>
    /// Reads <c>tokenizer.model</c>, the added tokens of <c>added_tokens.json</c> and of <c>tokenizer_config.json</c>'s
    /// <c>added_tokens_decoder</c> (either file may be absent), and <c>add_bos_token</c> / <c>pad_token</c> from
    /// <c>tokenizer_config.json</c>.
    /// </summary>
    public static LlavaTokenizer FromDirectory(string directory)
    {
        var modelPath = Path.Combine(directory, ModelFileName);
        if (!File.Exists(modelPath))
            throw new FileNotFoundException($"Tokenizer folder '{directory}' has no {ModelFileName} (LLaMA's SentencePiece model).", modelPath);

        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        var addedPath = Path.Combine(directory, AddedTokensFileName);
        if (File.Exists(addedPath))
        {
            var root = ParseObject(File.ReadAllText(addedPath), addedPath);
            foreach (var (content, value) in root)
                added[content] = value is JsonValue v && v.TryGetValue<int>(out var id) ? id
                    : throw new InvalidDataException($"{addedPath}: '{content}' must map to an integer id.");
        }

        var addBos = true;
        var legacy = true;
        string? padToken = null;
        var configPath = Path.Combine(directory, ConfigFileName);
        if (File.Exists(configPath))
        {
            var root = ParseObject(File.ReadAllText(configPath), configPath);
            if (root["add_bos_token"] is JsonValue bos && bos.TryGetValue<bool>(out var b)) addBos = b;
            if (root["legacy"] is JsonValue legacyValue && legacyValue.TryGetValue<bool>(out var l)) legacy = l;
            padToken = TokenContent(root["pad_token"]);
            if (root["added_tokens_decoder"] is JsonObject decoder)
                foreach (var (idText, entry) in decoder)
                {
                    if (!int.TryParse(idText, out var id) || TokenContent(entry) is not { } content)
                        throw new InvalidDataException($"{configPath}: added_tokens_decoder entry '{idText}' is not an id with a content string.");
                    if (added.TryGetValue(content, out var other) && other != id)
                        throw new InvalidDataException($"Added token '{content}' is {other} in {AddedTokensFileName} but {id} in {ConfigFileName}.");
                    added[content] = id;
                }
        }
        padToken ??= added.ContainsKey(PadToken) ? PadToken : null;

        using var stream = File.OpenRead(modelPath);
        return Create(stream, added, addBos, padToken, legacy);
    }

    /// <param name="modelProto">A SentencePiece BPE ModelProto (tokenizer.model).</param>
    /// <param name="addedTokens">Added tokens (content -> id); those the model already has must carry its ids.</param>
    /// <param name="legacy">HF's legacy flag (see <see cref="Legacy"/>).</param>
    public static LlavaTokenizer Create(Stream modelProto, IReadOnlyDictionary<string, int>? addedTokens = null, bool addBos = true,
        string? padToken = PadToken, bool legacy = true)
    {
        LlamaTokenizer sentencePiece;
        try
        {
            // No BOS/EOS and no special tokens here: we split at added tokens ourselves (legacy HF behaviour).
            sentencePiece = LlamaTokenizer.Create(modelProto, addBeginOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception e) when (e is ArgumentException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new InvalidDataException($"{ModelFileName} is not a SentencePiece BPE model ({e.Message}).", e);
        }
        return new LlavaTokenizer(sentencePiece, addedTokens ?? new Dictionary<string, int>(), addBos, padToken, legacy);
    }

    /// <summary>Token ids of <paramref name="text"/>; BOS first when <paramref name="addBos"/> (default: <see cref="AddBos"/>).</summary>
    public IReadOnlyList<int> Encode(string text, bool? addBos = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        if (addBos ?? AddBos) ids.Add(BosId);
        var start = 0;
        while (start < text.Length)
        {
            var (at, token, id) = NextSplitToken(text, start);
            if (at > start)
            {
                var segment = text[start..at];
                ids.AddRange(Legacy || start == 0
                    ? _sentencePiece.EncodeToIds(segment, addBeginningOfSentence: false, addEndOfSentence: false)
                    // Non-legacy: after an added token, no dummy prefix; escape spaces ourselves and skip the normalizer.
                    : _sentencePiece.EncodeToIds(segment.Replace(' ', '\u2581'), addBeginningOfSentence: false, addEndOfSentence: false,
                        considerPreTokenization: false, considerNormalization: false));
            }
            if (token is null) break;
            ids.Add(id);
            start = at + token.Length;
        }
        return ids;
    }

    /// <summary><paramref name="template"/> with <c>{prompt}</c> replaced by <paramref name="prompt"/>.</summary>
    public static string ApplyChatTemplate(string prompt, string template = DefaultChatTemplate)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (!template.Contains(PromptPlaceholder, StringComparison.Ordinal))
            throw new ArgumentException($"Chat template must contain {PromptPlaceholder}.", nameof(template));
        return template.Replace(PromptPlaceholder, prompt, StringComparison.Ordinal);
    }

    /// <summary>
    /// The model input for one user turn: the chat template around <paramref name="prompt"/>, encoded with BOS, each
    /// <c>&lt;image&gt;</c> expanded to <paramref name="imageSeqLength"/> image tokens (HF LlavaProcessor's expansion;
    /// pass <see cref="LlavaForConditionalGeneration.ImageSeqLength"/>, 576 for LLaVA-1.5).
    /// </summary>
    public IReadOnlyList<int> EncodePrompt(string prompt, int imageSeqLength, string template = DefaultChatTemplate)
    {
        if (imageSeqLength < 1) throw new ArgumentOutOfRangeException(nameof(imageSeqLength));
        var ids = Encode(ApplyChatTemplate(prompt, template));
        if (ImageTokenId is not { } image) return ids;
        var expanded = new List<int>(ids.Count + imageSeqLength);
        foreach (var id in ids)
        {
            if (id == image) expanded.AddRange(Enumerable.Repeat(image, imageSeqLength));
            else expanded.Add(id);
        }
        return expanded;
    }

    /// <summary>The SentencePiece piece of an id (e.g. <c>▁dog</c>, <c>&lt;0x0A&gt;</c>, <c>&lt;/s&gt;</c>), or an added
    /// token's content; ids the tokenizer does not know (the model's padded vocabulary rows) read <c>&lt;extra_N&gt;</c>.</summary>
    public string IdToPiece(int id) => id >= 0 && id < _pieces.Length && _pieces[id] is { } p ? p : $"<extra_{id}>";

    public IReadOnlyList<string> IdsToPieces(IEnumerable<int> ids) => ids.Select(IdToPiece).ToArray();

    public int? PieceToId(string piece) => _pieceIds.TryGetValue(piece, out var id) ? id : null;

    /// <summary>Text of <paramref name="ids"/>, SentencePiece-decoded (▁ to spaces, byte pieces to UTF-8, the leading
    /// dummy space dropped); special and added tokens are dropped when <paramref name="skipSpecialTokens"/>.</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        var text = new StringBuilder();
        var run = new List<int>();
        void Flush()
        {
            if (run.Count == 0) return;
            text.Append(_sentencePiece.Decode(run, considerSpecialTokens: false));
            run.Clear();
        }
        foreach (var id in ids)
        {
            if (_specialIds.Contains(id) || _addedIds.Contains(id) || id < 0 || id >= _pieces.Length || _pieces[id] is null)
            {
                if (skipSpecialTokens) continue;
                Flush();
                text.Append(IdToPiece(id));
            }
            else run.Add(id);
        }
        Flush();
        return text.ToString();
    }

    private (int At, string? Token, int Id) NextSplitToken(string text, int start)
    {
        var best = (At: text.Length, Token: (string?)null, Id: -1);
        foreach (var (token, id) in _splitTokens)
        {
            var at = text.IndexOf(token, start, StringComparison.Ordinal);
            if (at < 0) continue;
            if (at < best.At || (at == best.At && token.Length > best.Token!.Length)) best = (at, token, id);
        }
        return best;
    }

    private static string? TokenContent(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonObject o when o["content"] is JsonValue c && c.TryGetValue<string>(out var s) => s,
        _ => null,
    };

    private static JsonObject ParseObject(string json, string source)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source} is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source} is not valid JSON ({e.Message}).", e);
        }
    }
}
