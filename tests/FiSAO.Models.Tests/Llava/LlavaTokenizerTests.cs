using FiSAO.Models.Llava;
using FiSAO.Models.Tests.Llava.Support;
using FiSAO.Models.Tests.Support;

namespace FiSAO.Models.Tests.Llava;

/// <summary>
/// The LLaVA tokenizer on the hand-made SentencePiece model of <see cref="TinySentencePiece"/>; expected pieces follow
/// from its merge scores by hand (see that class) and from HF LlamaTokenizer's legacy handling of added tokens.
/// </summary>
public sealed class LlavaTokenizerTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private LlavaTokenizer Load(bool addedTokensJson = true, bool tokenizerConfig = true)
    {
        TinySentencePiece.WriteTokenizerFiles(_dir.Path, addedTokensJson, tokenizerConfig);
        return LlavaTokenizer.FromDirectory(_dir.Path);
    }

    private static int[] Ids(params string[] pieces) => pieces.Select(TinySentencePiece.IdOf).ToArray();

    [Fact]
    public void Reads_special_and_added_token_ids()
    {
        var tok = Load();
        Assert.Equal(1, tok.BosId);
        Assert.Equal(2, tok.EosId);
        Assert.Equal(0, tok.UnknownId);
        Assert.Equal(TinySentencePiece.ImageId, tok.ImageTokenId);
        Assert.Equal(TinySentencePiece.PadId, tok.PadId);
        Assert.True(tok.AddBos);
        Assert.Equal(TinySentencePiece.TokenizerCount, tok.Count);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Added_tokens_come_from_either_file(bool addedTokensJson, bool tokenizerConfig)
    {
        var tok = Load(addedTokensJson, tokenizerConfig);
        Assert.Equal(TinySentencePiece.ImageId, tok.ImageTokenId);
        Assert.Equal(TinySentencePiece.PadId, tok.PadId);
        Assert.Equal("<image>", tok.IdToPiece(TinySentencePiece.ImageId));
    }

    [Fact]
    public void Bpe_merges_by_score_with_dummy_prefix_and_byte_fallback()
    {
        var tok = Load();
        Assert.Equal(Ids("<s>", "▁the", "▁dog", "▁a", "t", "e"), tok.Encode("the dog ate"));
        // 'x' is no piece: byte fallback; é is two UTF-8 bytes.
        Assert.Equal(Ids("▁c", "a", "<0x78>", "▁", "<0xC3>", "<0xA9>"), tok.Encode("cax é", addBos: false));
        Assert.Equal("cax é", tok.Decode(tok.Encode("cax é")));
    }

    [Fact]
    public void Chat_template_tokenizes_like_llava_hf_legacy_mode()
    {
        // HF (legacy): "USER: " -> ▁US ER : ▁ ; <image> ; "\nthe cat. ASSISTANT:" encoded on its own, dummy prefix first,
        // newline as byte <0x0A>. With LLaMA's real vocabulary this is [1, 3148, 1001, 29901, 29871, 32000, 29871, 13, ...].
        var tok = Load();
        var text = LlavaTokenizer.ApplyChatTemplate("the cat.");
        Assert.Equal("USER: <image>\nthe cat. ASSISTANT:", text);
        var expected = Ids("<s>", "▁US", "ER", ":", "▁", "<image>", "▁", "<0x0A>", "t", "he", "▁cat", ".",
            "▁", "A", "S", "S", "I", "S", "T", "A", "N", "T", ":");
        Assert.Equal(expected, tok.Encode(text));
    }

    [Fact]
    public void Non_legacy_config_drops_the_dummy_prefix_after_added_tokens()
    {
        TinySentencePiece.WriteTokenizerFiles(_dir.Path);
        var configPath = _dir.Sub("tokenizer_config.json");
        File.WriteAllText(configPath, File.ReadAllText(configPath).Replace("\"legacy\": true", "\"legacy\": false"));
        var tok = LlavaTokenizer.FromDirectory(_dir.Path);
        Assert.False(tok.Legacy);
        Assert.Equal(Ids("<s>", "▁US", "ER", ":", "▁", "<image>", "<0x0A>", "t", "he", "▁cat"), tok.Encode("USER: <image>\nthe cat"));
    }

    [Fact]
    public void EncodePrompt_expands_the_image_token_to_the_feature_count()
    {
        var tok = Load();
        var ids = tok.EncodePrompt("the cat.", imageSeqLength: 16);
        Assert.Equal(16, ids.Count(i => i == TinySentencePiece.ImageId));
        var first = ids.ToList().IndexOf(TinySentencePiece.ImageId);
        Assert.Equal(5, first);
        Assert.All(ids.Skip(first).Take(16), i => Assert.Equal(TinySentencePiece.ImageId, i));
        Assert.Equal(tok.Encode(LlavaTokenizer.ApplyChatTemplate("the cat.")).Count + 15, ids.Count);
    }

    [Fact]
    public void Special_token_text_is_split_out_and_encoded_as_its_id()
    {
        var tok = Load();
        Assert.Equal(Ids("▁the", "</s>", "▁dog", "<pad>"), tok.Encode("the</s>dog<pad>", addBos: false));
    }

    [Fact]
    public void Pieces_are_raw_sentencepiece_pieces_and_decode_drops_specials()
    {
        var tok = Load();
        var ids = Ids("▁the", "▁dog", "<0x0A>", "▁a", "t", "</s>");
        Assert.Equal(["▁the", "▁dog", "<0x0A>", "▁a", "t", "</s>"], tok.IdsToPieces(ids));
        Assert.Equal("the dog\n at", tok.Decode(ids));
        Assert.Equal("the dog\n at</s>", tok.Decode(ids, skipSpecialTokens: false));
        // Rows the model has beyond the tokenizer (llava-hf pads 32002 to 32064) read as <extra_N>.
        Assert.Equal($"<extra_{tok.Count + 3}>", tok.IdToPiece(tok.Count + 3));
    }

    [Fact]
    public void Missing_model_file_is_a_clear_error()
    {
        var e = Assert.Throws<FileNotFoundException>(() => LlavaTokenizer.FromDirectory(_dir.Path));
        Assert.Contains("tokenizer.model", e.Message);
    }

    [Fact]
    public void Conflicting_added_token_ids_are_refused()
    {
        TinySentencePiece.WriteTokenizerFiles(_dir.Path);
        File.WriteAllText(_dir.Sub("added_tokens.json"), $$"""{"<image>": {{TinySentencePiece.PadId}}}""");
        Assert.Throws<InvalidDataException>(() => LlavaTokenizer.FromDirectory(_dir.Path));
    }
}
