using System.Text.Json;
using FiSAO.Models.Clip;
using TorchSharp;
using static FiSAO.Models.Tests.Tokenization.TestVocabulary;

namespace FiSAO.Models.Tests.Tokenization;

public sealed class ClipTokenizerTests : IDisposable
{
    private readonly TestVocabulary _files = new();
    private readonly ClipTokenizer _tokenizer;

    public ClipTokenizerTests() => _tokenizer = ClipTokenizer.FromDirectory(_files.Directory);

    public void Dispose() => _files.Dispose();

    [Fact]
    public void A_photo_of_a_dog_encodes_to_the_OpenAI_ids()
    {
        Assert.Equal([49406, 320, 1125, 539, 320, 1929, 49407], _tokenizer.Encode("a photo of a dog"));
    }

    [Fact]
    public void Merges_apply_lowest_rank_first()
    {
        // "abc": with "a b" ranked first the result is ab + c</w>; with "b c</w>" first it is a + bc</w>.
        using var abFirst = new TestVocabulary([("a", "b", 40010), ("b", "c</w>", 40011)]);
        using var bcFirst = new TestVocabulary([("b", "c</w>", 40011), ("a", "b", 40010)]);

        Assert.Equal([Bos, 40010, CharId('c', endOfWord: true), Eos], ClipTokenizer.FromDirectory(abFirst.Directory).Encode("abc"));
        Assert.Equal([Bos, CharId('a'), 40011, Eos], ClipTokenizer.FromDirectory(bcFirst.Directory).Encode("abc"));
    }

    [Fact]
    public void Merges_chain_through_intermediate_symbols()
    {
        // p h o t o</w> -> ph o t o</w> -> ph ot o</w> -> phot o</w> -> photo</w>
        Assert.Equal([Bos, 1125, Eos], _tokenizer.Encode("photo"));
    }

    [Fact]
    public void End_of_word_suffix_marks_only_the_last_symbol_of_a_word()
    {
        Assert.Equal([Bos, CharId('a', endOfWord: true), Eos], _tokenizer.Encode("a"));
        Assert.Equal([Bos, CharId('a'), CharId('b', endOfWord: true), Eos], _tokenizer.Encode("ab"));
        // "dog" merges only as a whole word: in "dogs" the "do g</w>" merge cannot apply.
        Assert.Equal([Bos, 40001, CharId('g'), CharId('s', endOfWord: true), Eos], _tokenizer.Encode("dogs"));
    }

    [Fact]
    public void Characters_outside_the_vocabulary_fall_back_to_their_UTF8_bytes()
    {
        // é = C3 A9; the dog emoji = F0 9F 90 B6. Each byte is a symbol; the last of the word carries </w>.
        Assert.Equal([Bos, ByteId(0xC3), ByteId(0xA9, endOfWord: true), Eos], _tokenizer.Encode("é"));
        Assert.Equal(
            [Bos, ByteId(0xF0), ByteId(0x9F), ByteId(0x90), ByteId(0xB6, endOfWord: true), Eos],
            _tokenizer.Encode("\U0001F436"));
        // A control byte maps to a remapped symbol (0x01 -> U+0101), not to unk.
        Assert.Equal([Bos, ByteId(0x01, endOfWord: true), Eos], _tokenizer.Encode("\u0001"));
    }

    [Fact]
    public void Text_is_lower_cased_including_full_Unicode_mappings()
    {
        Assert.Equal(_tokenizer.Encode("a photo of a dog"), _tokenizer.Encode("A PHOTO Of a DoG"));
        Assert.Equal(_tokenizer.Encode("ä"), _tokenizer.Encode("Ä"));
        // U+0130 lower-cases to "i" + U+0307 (CC 87), as in Rust and Python, not to itself; the combining mark is
        // not \p{L}, so it becomes a piece of its own.
        Assert.Equal(
            [Bos, CharId('i', endOfWord: true), ByteId(0xCC), ByteId(0x87, endOfWord: true), Eos],
            _tokenizer.Encode("\u0130"));
    }

    [Fact]
    public void Text_is_NFC_normalised_before_encoding()
    {
        Assert.Equal(_tokenizer.Encode("caf\u00e9"), _tokenizer.Encode("cafe\u0301"));
    }

    [Fact]
    public void Punctuation_splits_from_words_and_groups_with_neighbouring_punctuation()
    {
        int bang = CharId('!'), bangEnd = CharId('!', endOfWord: true);
        Assert.Equal([Bos, 1929, bang, bangEnd, Eos], _tokenizer.Encode("dog!!"));
        Assert.Equal([Bos, 1929, CharId(',', endOfWord: true), 320, Eos], _tokenizer.Encode("dog,a"));
        // Digits are split one by one.
        Assert.Equal([Bos, CharId('4', endOfWord: true), CharId('2', endOfWord: true), Eos], _tokenizer.Encode("42"));
    }

    [Fact]
    public void Contractions_are_their_own_pieces()
    {
        // 's is one piece (' then s</w>); 'x is not a contraction, so ' ends a punctuation piece.
        Assert.Equal([Bos, 1929, CharId('\''), CharId('s', endOfWord: true), Eos], _tokenizer.Encode("dog's"));
        Assert.Equal([Bos, 1929, CharId('\'', endOfWord: true), CharId('x', endOfWord: true), Eos], _tokenizer.Encode("dog'x"));
        Assert.Equal(
            [Bos, CharId('i', endOfWord: true), CharId('\''), CharId('l'), CharId('l', endOfWord: true), Eos],
            _tokenizer.Encode("I'LL"));
    }

    [Fact]
    public void Whitespace_of_any_kind_only_separates()
    {
        Assert.Equal(_tokenizer.Encode("a photo"), _tokenizer.Encode(" \t a\u00a0\u3000\n photo\r\n "));
        Assert.Equal([Bos, Eos], _tokenizer.Encode(""));
        Assert.Equal([Bos, Eos], _tokenizer.Encode("   "));
    }

    [Fact]
    public void Special_tokens_in_the_text_are_kept_whole()
    {
        Assert.Equal([Bos, 320, Eos, 1929, Eos], _tokenizer.Encode("a<|endoftext|>dog"));
    }

    [Fact]
    public void Truncation_keeps_the_end_token_at_the_last_position()
    {
        string text = string.Join(' ', Enumerable.Repeat("a dog", 100));
        int[] ids = _tokenizer.Encode(text);

        Assert.Equal(77, ids.Length);
        Assert.Equal(Bos, ids[0]);
        Assert.Equal(Eos, ids[76]);
        Assert.Equal(_tokenizer.EncodeWithoutSpecialTokens(text).Take(75), ids[1..76]);
        Assert.Equal([Bos, 320, 1929, 320, Eos], _tokenizer.Encode(text, maxLength: 5));
    }

    [Fact]
    public void Batches_are_padded_with_the_pad_id_and_masked()
    {
        ClipTextBatch batch = _tokenizer.EncodeBatch(["a dog", "a photo of a dog"]);

        Assert.Equal(2, batch.BatchSize);
        Assert.Equal(7, batch.SequenceLength);
        Assert.Equal([Bos, 320, 1929, Eos, Eos, Eos, Eos], batch.InputIds[..7]);
        Assert.Equal([1, 1, 1, 1, 0, 0, 0], batch.AttentionMask[..7]);
        Assert.Equal(Enumerable.Repeat(1L, 7), batch.AttentionMask[7..]);
        Assert.Equal([4, 7], batch.Lengths);

        ClipTextBatch full = _tokenizer.EncodeBatch(["a dog"], ClipPadding.MaxLength);
        Assert.Equal(77, full.SequenceLength);
        Assert.Equal(4, full.AttentionMask.Sum());
    }

    [Fact]
    public void Batch_rows_equal_single_encodings()
    {
        string[] texts = ["a photo of a dog", "", "DOG's photo!!", string.Join(' ', Enumerable.Repeat("photo", 90))];
        ClipTextBatch batch = _tokenizer.EncodeBatch(texts);

        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(_tokenizer.Encode(texts[i]).Select(id => (long)id), batch.Row(i).ToArray());
        }
    }

    [Fact]
    public void Batch_converts_to_int64_tensors()
    {
        ClipTextBatch batch = _tokenizer.EncodeBatch(["a dog", "a photo of a dog"]);
        using torch.Tensor ids = batch.InputIdsTensor();
        using torch.Tensor mask = batch.AttentionMaskTensor();

        Assert.Equal([2L, 7L], ids.shape);
        Assert.Equal(torch.ScalarType.Int64, ids.dtype);
        Assert.Equal([2L, 7L], mask.shape);
        Assert.Equal(batch.InputIds, ids.data<long>().ToArray());
        Assert.Equal(batch.AttentionMask, mask.data<long>().ToArray());
    }

    [Fact]
    public void Config_files_set_the_pad_token_and_model_max_length()
    {
        using var files = new TestVocabulary(tokenizerConfig: new Dictionary<string, object>
        {
            ["model_max_length"] = 16,
            ["pad_token"] = new Dictionary<string, object> { ["content"] = "!", ["special"] = true },
        });
        ClipTokenizer tokenizer = ClipTokenizer.FromDirectory(files.Directory);

        Assert.Equal(16, tokenizer.ModelMaxLength);
        Assert.Equal(CharId('!'), tokenizer.PadId);
        ClipTextBatch batch = tokenizer.EncodeBatch(["a", "a dog"]);
        Assert.Equal([Bos, 320, Eos, CharId('!')], batch.InputIds[..4]);
        Assert.Equal(16, tokenizer.Encode(string.Join(' ', Enumerable.Repeat("dog", 50))).Length);
    }

    [Fact]
    public void Huge_model_max_length_sentinel_means_the_CLIP_default()
    {
        File.WriteAllText(Path.Combine(_files.Directory, "tokenizer_config.json"), "{\"model_max_length\": 1000000000000000019884624838656}");
        Assert.Equal(77, ClipTokenizer.FromDirectory(_files.Directory).ModelMaxLength);
    }

    [Fact]
    public void Decode_reverses_bytes_and_word_ends()
    {
        Assert.Equal("a photo of a dog !", _tokenizer.Decode(_tokenizer.Encode("A photo of a dog!")));
        Assert.Equal("café \U0001F436", _tokenizer.Decode(_tokenizer.Encode("Café \U0001F436")));
        Assert.Equal("<|startoftext|>dog <|endoftext|>", _tokenizer.Decode([Bos, 1929, Eos], skipSpecialTokens: false));
    }

    [Fact]
    public void Missing_folder_or_files_fail_with_the_path()
    {
        string nowhere = Path.Combine(_files.Directory, "missing");
        Assert.Throws<DirectoryNotFoundException>(() => ClipTokenizer.FromDirectory(nowhere));

        File.Delete(_files.VocabPath);
        var e = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.FromDirectory(_files.Directory));
        Assert.Contains("vocab.json", e.Message);
    }

    [Fact]
    public void Missing_merges_file_fails_with_the_path()
    {
        File.Delete(_files.MergesPath);
        var e = Assert.Throws<FileNotFoundException>(() => ClipTokenizer.FromDirectory(_files.Directory));
        Assert.Contains("merges.txt", e.Message);
    }

    [Theory]
    [InlineData("{\"a\": 1, ", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("{\"a\": \"one\"}", "not a non-negative integer")]
    [InlineData("{\"a\": 1, \"b\": 1}", "gives id 1 to both")]
    [InlineData("{}", "is empty")]
    public void Corrupt_vocabulary_fails_with_a_clear_message(string json, string expected)
    {
        File.WriteAllText(_files.VocabPath, json);
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromDirectory(_files.Directory));
        Assert.Contains("vocab.json", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Corrupt_merges_fail_with_the_line_number()
    {
        File.WriteAllText(_files.MergesPath, "#version: 0.2\no f</w>\nthis line is wrong\n");
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromDirectory(_files.Directory));
        Assert.Contains("line 3", e.Message);

        File.WriteAllText(_files.MergesPath, "#version: 0.2\nq z\n");
        e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromDirectory(_files.Directory));
        Assert.Contains("'qz' is not in the vocabulary", e.Message);
    }

    [Fact]
    public void Vocabulary_without_the_special_tokens_is_refused()
    {
        var vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(_files.VocabPath))!;
        vocab.Remove("<|endoftext|>");
        File.WriteAllText(_files.VocabPath, JsonSerializer.Serialize(vocab));
        var e = Assert.Throws<InvalidDataException>(() => ClipTokenizer.FromDirectory(_files.Directory));
        Assert.Contains("<|endoftext|>", e.Message);
    }
}
