using System.Text;
using Microsoft.ML.Tokenizers;

namespace FiSAO.Models.Clip;

/// <summary>
/// CLIP's byte-level BPE tokenizer, matching HF <c>CLIPTokenizerFast</c> (and the slow <c>CLIPTokenizer</c> on
/// ordinary text): NFC, whitespace collapsed, lower-cased; CLIP's split pattern; GPT-2 byte-to-unicode mapping; BPE with
/// a <c>&lt;/w&gt;</c> end-of-word suffix; <c>&lt;|startoftext|&gt; … &lt;|endoftext|&gt;</c> around the result.
/// </summary>
/// <remarks>
/// The BPE merge loop, byte-level mapping and end-of-word suffix are Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>;
/// the normaliser (<see cref="ClipTextNormalizer"/>) and pre-tokenizer (<see cref="ClipPreTokenizer"/>) are ours because
/// the library has no equivalent that matches HF exactly (see their remarks). Special tokens are split off the raw text
/// before normalisation, exactly as HF does with its added tokens. Thread-safe: the library's word cache is locked.
/// </remarks>
public sealed class ClipTokenizer
{
    private const string EndOfWordSuffix = "</w>";

    private readonly BpeTokenizer _bpe;
    private readonly string[] _specialTokens; // longest first, so that a longer token wins where two start together
    private readonly Dictionary<string, int> _specialIds;
    private readonly HashSet<int> _specialIdSet;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<int, string> _tokensById;

    private ClipTokenizer(BpeTokenizer bpe, Dictionary<string, int> vocab, ClipTokenizerOptions options)
    {
        _bpe = bpe;
        _vocab = vocab;
        _tokensById = vocab.ToDictionary(kv => kv.Value, kv => kv.Key);
        Options = options;
        BosId = RequireToken(vocab, options.BosToken, "bos_token");
        EosId = RequireToken(vocab, options.EosToken, "eos_token");
        PadId = RequireToken(vocab, options.PadToken, "pad_token");
        _specialIds = new[] { options.BosToken, options.EosToken, options.UnkToken, options.PadToken }
            .Where(vocab.ContainsKey)
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(t => t, t => vocab[t], StringComparer.Ordinal);
        _specialTokens = _specialIds.Keys.OrderByDescending(t => t.Length).ToArray();
        _specialIdSet = [.. _specialIds.Values];
        VocabularySize = vocab.Count;
    }

    public ClipTokenizerOptions Options { get; }

    public int BosId { get; }

    public int EosId { get; }

    public int PadId { get; }

    public int ModelMaxLength => Options.ModelMaxLength;

    public int VocabularySize { get; }

    /// <summary>
    /// Loads <c>vocab.json</c> and <c>merges.txt</c> from an HF tokenizer folder, with <c>tokenizer_config.json</c> and
    /// <c>special_tokens_map.json</c> when present.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException"><c>vocab.json</c> or <c>merges.txt</c> is missing.</exception>
    /// <exception cref="InvalidDataException">A file is corrupt or the files do not fit together.</exception>
    public static ClipTokenizer FromDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"CLIP tokenizer folder '{directory}' does not exist.");
        }

        return FromFiles(
            Path.Combine(directory, "vocab.json"),
            Path.Combine(directory, "merges.txt"),
            ClipTokenizerOptions.FromDirectory(directory));
    }

    /// <inheritdoc cref="FromDirectory"/>
    public static ClipTokenizer FromFiles(string vocabJsonPath, string mergesPath, ClipTokenizerOptions? options = null)
    {
        options ??= new ClipTokenizerOptions();
        Dictionary<string, int> vocab = ClipVocabularyFiles.ReadVocabulary(vocabJsonPath);
        List<string> merges = ClipVocabularyFiles.ReadMerges(mergesPath, vocab);

        var bpe = BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            Normalizer = ClipTextNormalizer.Instance,
            PreTokenizer = ClipPreTokenizer.Instance,
            EndOfWordSuffix = EndOfWordSuffix,
            ByteLevel = true,
            // HF maps a symbol missing from the vocabulary to unk; with all 256 byte symbols present it never happens.
            UnknownToken = vocab.ContainsKey(options.UnkToken) ? options.UnkToken : null,
        });

        return new ClipTokenizer(bpe, vocab, options);
    }

    /// <summary>
    /// Encodes one text as <c>[BOS, tokens…, EOS]</c>, truncating the tokens so that the whole fits in
    /// <paramref name="maxLength"/> (default <see cref="ModelMaxLength"/>) with EOS kept last, like HF
    /// <c>truncation=True, max_length=…</c>.
    /// </summary>
    public int[] Encode(string text, int? maxLength = null)
    {
        int limit = ResolveMaxLength(maxLength);
        List<int> body = EncodeWithoutSpecialTokens(text);
        int keep = Math.Min(body.Count, limit - 2);
        var ids = new int[keep + 2];
        ids[0] = BosId;
        body.CopyTo(0, ids, 1, keep);
        ids[^1] = EosId;
        return ids;
    }

    /// <summary>The BPE ids of <paramref name="text"/> with no start/end tokens and no truncation.</summary>
    public List<int> EncodeWithoutSpecialTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        int segmentStart = 0;
        int i = 0;
        while (i < text.Length)
        {
            string? special = SpecialTokenAt(text, i);
            if (special is null)
            {
                i++;
                continue;
            }

            AppendOrdinary(text[segmentStart..i], ids);
            ids.Add(_specialIds[special]);
            i += special.Length;
            segmentStart = i;
        }

        AppendOrdinary(text[segmentStart..], ids);
        return ids;
    }

    /// <summary>
    /// Encodes a batch (each row as <see cref="Encode"/>) and pads it with <see cref="PadId"/>, mask 0 on padding.
    /// </summary>
    public ClipTextBatch EncodeBatch(IReadOnlyList<string> texts, ClipPadding padding = ClipPadding.Longest, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new ArgumentException("A CLIP text batch needs at least one text.", nameof(texts));
        }

        int limit = ResolveMaxLength(maxLength);
        var rows = new int[texts.Count][];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r] = Encode(texts[r] ?? throw new ArgumentException($"Text {r} of the batch is null.", nameof(texts)), limit);
        }

        int length = padding == ClipPadding.MaxLength ? limit : rows.Max(r => r.Length);
        var inputIds = new long[rows.Length * length];
        var mask = new long[rows.Length * length];
        var lengths = new int[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            Span<long> idRow = inputIds.AsSpan(r * length, length);
            Span<long> maskRow = mask.AsSpan(r * length, length);
            idRow.Fill(PadId);
            for (int t = 0; t < rows[r].Length; t++)
            {
                idRow[t] = rows[r][t];
            }

            maskRow[..rows[r].Length].Fill(1);
            lengths[r] = rows[r].Length;
        }

        return new ClipTextBatch(inputIds, mask, lengths, length);
    }

    /// <summary>The vocabulary string of one id (byte-level form, e.g. "dog&lt;/w&gt;"), or null if unknown.</summary>
    public string? IdToToken(int id) => _tokensById.GetValueOrDefault(id);

    /// <summary>The id of one vocabulary string, or null.</summary>
    public int? TokenToId(string token) => _vocab.TryGetValue(token, out int id) ? id : null;

    /// <summary>
    /// Turns ids back into text like HF's slow <c>CLIPTokenizer.decode</c>: bytes reassembled (invalid UTF-8 replaced),
    /// each <c>&lt;/w&gt;</c> read as a space, the result trimmed.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var text = new StringBuilder();
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if (_specialIdSet.Contains(id))
            {
                if (!skipSpecialTokens)
                {
                    FlushBytes(bytes, text);
                    text.Append(_tokensById[id]);
                }

                continue;
            }

            string token = IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, "Not a CLIP token id.");
            foreach (char c in token)
            {
                // Symbols come from the byte alphabet by construction; anything else is passed through as UTF-8.
                if (ByteLevelAlphabet.TryDecode(c, out byte b))
                {
                    bytes.Add(b);
                }
                else
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
                }
            }
        }

        FlushBytes(bytes, text);
        return text.Replace(EndOfWordSuffix, " ").ToString().Trim();
    }

    private static void FlushBytes(List<byte> bytes, StringBuilder text)
    {
        text.Append(Encoding.UTF8.GetString(bytes.ToArray()));
        bytes.Clear();
    }

    private void AppendOrdinary(string segment, List<int> ids)
    {
        if (segment.Length > 0)
        {
            ids.AddRange(_bpe.EncodeToIds(segment));
        }
    }

    private string? SpecialTokenAt(string text, int index)
    {
        foreach (string token in _specialTokens)
        {
            if (text.AsSpan(index).StartsWith(token, StringComparison.Ordinal))
            {
                return token;
            }
        }

        return null;
    }

    private int ResolveMaxLength(int? maxLength)
    {
        int limit = maxLength ?? ModelMaxLength;
        if (limit < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), limit, "A CLIP encoding needs room for its start and end tokens.");
        }

        return limit;
    }

    private static int RequireToken(Dictionary<string, int> vocab, string token, string role) =>
        vocab.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException($"CLIP {role} '{token}' is not in the vocabulary.");
}
