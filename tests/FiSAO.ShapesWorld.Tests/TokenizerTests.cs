using FiSAO.Models.Clip;
using FiSAO.ShapesWorld.Scenes;
using FiSAO.ShapesWorld.Text;
using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Tests;

public class TokenizerTests
{
    private static readonly Lazy<(TempDirectory Dir, ClipTokenizer Tokenizer)> Loaded = new(() =>
    {
        var dir = new TempDirectory("shapes-tok");
        WorldTokenizer.Save(dir.Path);
        return (dir, ClipTokenizer.FromDirectory(dir.Path));
    });

    private static ClipTokenizer Tokenizer => Loaded.Value.Tokenizer;

    [Fact]
    public void Writes_hf_tokenizer_files_that_ClipTokenizer_loads()
    {
        foreach (var file in new[] { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" })
            Assert.True(File.Exists(Path.Combine(Loaded.Value.Dir.Path, file)), file);
        Assert.Equal(WorldTokenizer.DefaultModelMaxLength, Tokenizer.ModelMaxLength);
        Assert.Equal(Tokenizer.VocabularySize - 2, Tokenizer.BosId);
        Assert.Equal(Tokenizer.VocabularySize - 1, Tokenizer.EosId);
        Assert.Equal(Tokenizer.EosId, Tokenizer.PadId);
    }

    [Fact]
    public void Every_caption_word_is_one_token_and_every_object_form_at_most_two()
    {
        foreach (var word in CaptionWriter.Vocabulary)
            Assert.Single(Tokenizer.EncodeWithoutSpecialTokens(word));
        foreach (var (surface, _) in ShapesVocabulary.SurfaceForms)
            Assert.InRange(Tokenizer.EncodeWithoutSpecialTokens(surface).Count, 1, 2);
        Assert.Equal("mice</w>", Tokenizer.IdToToken(Tokenizer.EncodeWithoutSpecialTokens("Mice")[0]));
    }

    [Fact]
    public void Any_text_encodes_and_decodes()
    {
        foreach (var text in new[] { "a dog on a skateboard", "Zebra crossing with ünïcödé" })
            Assert.Equal(text.ToLowerInvariant(), Tokenizer.Decode(Tokenizer.Encode(text)));
    }

    [Fact]
    public void Captions_with_inserted_objects_fit_the_context()
    {
        var scenes = new SceneGenerator(4).Generate(0, 300);
        foreach (var scene in scenes)
        {
            var longest = CaptionWriter.WithHallucinations(scene, 2, SceneRandom.For(4, scene.Index, 3)).Text;
            Assert.True(Tokenizer.EncodeWithoutSpecialTokens(longest).Count + 2 <= Tokenizer.ModelMaxLength, longest);
            Assert.Equal(scene.Caption.ToLowerInvariant().Replace(".", " .").Replace(",", " ,"), Tokenizer.Decode(Tokenizer.Encode(scene.Caption)));
        }
    }
}
