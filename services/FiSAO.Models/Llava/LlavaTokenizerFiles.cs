namespace FiSAO.Models.Llava;

/// <summary>
/// The JSON files that sit beside <c>tokenizer.model</c> in a llava-hf folder, written as llava-hf ships them: LLaVA's
/// added tokens (<c>&lt;image&gt;</c>, <c>&lt;pad&gt;</c>) and the tokenizer config (legacy LLaMA tokenizer, BOS on, left
/// padding). Used for policy folders made here (the shapes world's) and by tests.
/// </summary>
public static class LlavaTokenizerFiles
{
    public static void WriteAddedTokens(string directory, int imageId, int padId) =>
        File.WriteAllText(Path.Combine(directory, "added_tokens.json"), $$"""{"<image>": {{imageId}}, "<pad>": {{padId}}}""");

    public static void WriteTokenizerConfig(string directory, int imageId, int padId)
    {
        static string Entry(string content) =>
            $$"""{"content": "{{content}}", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "special": true}""";
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), $$"""
            {
              "add_bos_token": true,
              "add_eos_token": false,
              "added_tokens_decoder": {
                "0": {{Entry("<unk>")}},
                "1": {{Entry("<s>")}},
                "2": {{Entry("</s>")}},
                "{{imageId}}": {{Entry("<image>")}},
                "{{padId}}": {{Entry("<pad>")}}
              },
              "bos_token": "<s>",
              "eos_token": "</s>",
              "pad_token": "<pad>",
              "unk_token": "<unk>",
              "legacy": true,
              "padding_side": "left",
              "processor_class": "LlavaProcessor",
              "tokenizer_class": "LlamaTokenizer"
            }
            """);
    }
}
