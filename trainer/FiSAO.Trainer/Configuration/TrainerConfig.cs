using System.Text.Json.Serialization;

namespace FiSAO.Trainer.Configuration;

/// <summary>
/// Every hyper-parameter of a FiSAO PPO run, in METHOD.md's terms, as one JSON file (snake_case keys). Sections:
/// <c>policy</c>, <c>lora</c>, <c>data</c>, <c>reward</c>, <c>generation</c>, <c>ppo</c>, <c>run</c>.
/// Defaults are the paper's where it gives one (4 PPO epochs per sample, token-level reward as advantage, LoRA).
/// </summary>
public sealed record TrainerConfig
{
    [JsonPropertyName("policy")] public PolicySettings Policy { get; init; } = new();
    [JsonPropertyName("lora")] public LoraSettings Lora { get; init; } = new();
    [JsonPropertyName("data")] public DataSettings Data { get; init; } = new();
    [JsonPropertyName("reward")] public RewardSettings Reward { get; init; } = new();
    [JsonPropertyName("generation")] public GenerationSettings Generation { get; init; } = new();
    [JsonPropertyName("ppo")] public PpoSettings Ppo { get; init; } = new();
    [JsonPropertyName("run")] public RunSettings Run { get; init; } = new();
}

/// <summary>The llava-hf folder of the policy and where it runs.</summary>
public sealed record PolicySettings
{
    /// <summary>A llava-hf folder (config.json, safetensors, tokenizer.model, preprocessor_config.json).</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }

    /// <summary>
    /// What the saved PEFT adapters name as their base (<c>base_model_name_or_path</c> in adapter_config.json): a hub id
    /// such as <c>llava-hf/llava-1.5-7b-hf</c>, so the adapters load elsewhere; default the <c>model</c> folder as given.
    /// </summary>
    [JsonPropertyName("base_model_name_or_path")] public string? BaseModelNameOrPath { get; init; }

    /// <summary>The name adapter_config.json gets: <see cref="BaseModelNameOrPath"/>, else <see cref="Model"/>.</summary>
    [JsonIgnore] public string? AdapterBaseModel => BaseModelNameOrPath ?? Model;

    /// <summary><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>: the one-device form of <see cref="Devices"/>.</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = "cpu";

    /// <summary>
    /// Several devices in one trainer (e.g. <c>["cuda:0", "cuda:1"]</c>, or <c>cuda:0,cuda:1</c> from <c>--set</c>): a
    /// replica of the policy per device, each step's rollouts generated on all of them at once and the PPO update data
    /// parallel (gradients summed on the first device, one optimiser step, weights copied back). Null: <see cref="Device"/>.
    /// </summary>
    [JsonPropertyName("devices"), JsonConverter(typeof(DeviceListConverter))] public string[]? Devices { get; init; }

    /// <summary>The devices the trainer uses: <see cref="Devices"/>, else <see cref="Device"/> alone. The first holds the optimiser.</summary>
    [JsonIgnore] public IReadOnlyList<string> DeviceList => Devices is { Length: > 0 } ? Devices : [Device];

    /// <summary><c>fp32</c>, <c>fp16</c> or <c>bf16</c>: the frozen base weights (LoRA adapters stay fp32).</summary>
    [JsonPropertyName("dtype")] public string DType { get; init; } = "fp32";

    /// <summary><c>sdpa</c> or <c>eager</c>.</summary>
    [JsonPropertyName("attention")] public AttentionKind Attention { get; init; } = AttentionKind.Sdpa;

    /// <summary>
    /// Activation checkpointing per decoder layer in the PPO update: keeps each layer's input instead of its activations
    /// and recomputes the layer in the backward (one more forward, much less memory). Same gradients.
    /// </summary>
    [JsonPropertyName("activation_checkpointing")] public bool ActivationCheckpointing { get; init; }

    /// <summary>libtorch CPU threads (0 = libtorch's default).</summary>
    [JsonPropertyName("threads")] public int Threads { get; init; }

    /// <summary>Chat template with <c>{prompt}</c> (LLaVA-1.5's by default).</summary>
    [JsonPropertyName("chat_template")] public string ChatTemplate { get; init; } = "USER: <image>\n{prompt} ASSISTANT:";
}

/// <summary>LoRA on the language model (METHOD.md 5: the paper tunes LLaVA-1.5 with LoRA).</summary>
public sealed record LoraSettings
{
    [JsonPropertyName("rank")] public int Rank { get; init; } = 8;
    [JsonPropertyName("alpha")] public double Alpha { get; init; } = 16;
    [JsonPropertyName("dropout")] public double Dropout { get; init; } = 0.05;
    [JsonPropertyName("target_modules")] public string[] TargetModules { get; init; } = ["q_proj", "k_proj", "v_proj", "o_proj"];
}

/// <summary>Where (prompt, image) pairs come from.</summary>
public sealed record DataSettings
{
    /// <summary>
    /// <c>jsonl</c> (lines <c>{"image": "a.png", "prompt": "..."}</c>, optional <c>"objects": [...]</c>),
    /// <c>llava-instruct</c> (LLaVA-Instruct-150k JSON: the first human turn of each conversation, as the paper uses),
    /// <c>shapes</c> (scenes of the shapes world, generated on the fly from <see cref="ShapesSeed"/>), or <c>coco</c> (a
    /// COCO-format folder at <c>path</c>: every image of <see cref="CocoSplit"/> with <see cref="Prompt"/> or the lines of
    /// <see cref="PromptsFile"/>, its CHAIR ground truth attached).
    /// </summary>
    [JsonPropertyName("kind")] public string Kind { get; init; } = "jsonl";
    [JsonPropertyName("path")] public string? Path { get; init; }

    /// <summary>Folder the image paths are relative to (default: the data file's folder).</summary>
    [JsonPropertyName("image_root")] public string? ImageRoot { get; init; }

    /// <summary>Use only the first N samples (the paper: the first 8k of LLaVA-Instruct-150k); 0 = all.</summary>
    [JsonPropertyName("max_samples")] public int MaxSamples { get; init; }

    /// <summary>Prompt for sources without one (shapes).</summary>
    [JsonPropertyName("prompt")] public string Prompt { get; init; } = "Describe this image.";

    /// <summary>COCO split for <c>coco</c> (and for <see cref="CocoObjects"/>): train2017 by default, never the val2014
    /// images CHAIR and POPE are measured on.</summary>
    [JsonPropertyName("coco_split")] public string CocoSplit { get; init; } = "train2017";

    /// <summary>A text file of prompts, one a line (<c>coco</c>: image i gets line i mod count); null: <see cref="Prompt"/>.</summary>
    [JsonPropertyName("prompts_file")] public string? PromptsFile { get; init; }

    /// <summary>A COCO-format folder whose <see cref="CocoSplit"/> gives <c>llava-instruct</c> / <c>jsonl</c> rows without
    /// objects the objects of their image (matched by file name).</summary>
    [JsonPropertyName("coco_objects")] public string? CocoObjects { get; init; }

    /// <summary>Entity list of a world that is not COCO (e.g. the shapes verifier's entities.txt) for the objects; null: COCO's.</summary>
    [JsonPropertyName("entities")] public string? Entities { get; init; }

    [JsonPropertyName("shapes_seed")] public long ShapesSeed { get; init; } = 101;
    [JsonPropertyName("shapes_scenes")] public int ShapesScenes { get; init; } = 2000;
    [JsonPropertyName("shapes_image_size")] public int ShapesImageSize { get; init; } = 96;

    /// <summary>Reshuffle the sample order every pass over the data (seeded by run.seed and the pass).</summary>
    [JsonPropertyName("shuffle")] public bool Shuffle { get; init; } = true;
}

/// <summary>The reward r_t (METHOD.md 4) and where it comes from.</summary>
public sealed record RewardSettings
{
    /// <summary><c>verifier</c> (the FiSAO verifier over gRPC) or <c>toy-token</c> (r = toy_value on every token equal
    /// to toy_piece: a fixed reward for smoke tests of the optimiser, no verifier).</summary>
    [JsonPropertyName("source")] public RewardSourceKind Source { get; init; } = RewardSourceKind.Verifier;

    /// <summary><c>token</c> (FiSAO, default) or <c>sentence</c> (Table 4 ablation: one score per response, on its last token).</summary>
    [JsonPropertyName("mode")] public RewardMode Mode { get; init; } = RewardMode.Token;

    /// <summary>Verifier replicas (<c>http://host:port</c>, or one <c>dns:///host:port</c>).</summary>
    [JsonPropertyName("verifier_addresses")] public string[] VerifierAddresses { get; init; } = [];
    [JsonPropertyName("api_key")] public string? ApiKey { get; init; }

    /// <summary>Attempts per verifier call (a replica restart costs retries, not the step).</summary>
    [JsonPropertyName("max_attempts")] public int MaxAttempts { get; init; } = 8;

    /// <summary>One verifier call with all its retries, seconds.</summary>
    [JsonPropertyName("total_timeout_seconds")] public double TotalTimeoutSeconds { get; init; } = 300;

    [JsonPropertyName("toy_piece")] public string? ToyPiece { get; init; }
    [JsonPropertyName("toy_value")] public double ToyValue { get; init; } = 1.0;

    /// <summary>Sentence mode: r_last = clip((S - mean) / std, -1, 1) with a running mean/std of sentence scores.</summary>
    [JsonPropertyName("sentence_momentum")] public double SentenceMomentum { get; init; } = 0.9;

    /// <summary>
    /// Which mentions of one object in a response keep a positive reward: <c>every</c> (Eq. 8 on each mention, the paper's
    /// text) or <c>first</c> (an object's later mentions get 0 instead of a positive reward; a negative one stays), so a
    /// policy cannot earn reward by naming a correct object again and again. The paper does not discuss repeats.
    /// </summary>
    [JsonPropertyName("repeated_mentions")] public RepeatedMentions RepeatedMentions { get; init; } = RepeatedMentions.Every;
}

/// <summary>Rollout sampling (LlavaGenerator: temperature 1 and top_p 1 sample the policy itself, as on-policy PPO wants).</summary>
public sealed record GenerationSettings
{
    [JsonPropertyName("max_new_tokens")] public int MaxNewTokens { get; init; } = 64;
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 1.0;
    [JsonPropertyName("top_p")] public double TopP { get; init; } = 1.0;
    [JsonPropertyName("top_k")] public int TopK { get; init; }

    /// <summary>
    /// Rollouts per generation chunk: each chunk goes to the verifier while the next one generates, so scoring hides
    /// behind generation; 0 = the whole step in one batch (scored after it).
    /// </summary>
    [JsonPropertyName("chunk_size")] public int ChunkSize { get; init; }
}

/// <summary>FiSAO PPO (Algorithm 1, Eq. 9-10).</summary>
public sealed record PpoSettings
{
    /// <summary>xi: KL coefficient in R_t = r_t - xi * KL_t (KL_t per <see cref="KlEstimator"/>, on <see cref="KlTokens"/>).</summary>
    [JsonPropertyName("xi")] public double Xi { get; init; } = 0.05;

    /// <summary>
    /// The per-token KL term: <c>k1</c> (log pi_theta - log pi_ref of the sampled token, default), <c>k3</c>
    /// ((r - 1) - log r, r = pi_ref / pi_theta) or <c>full</c> (exact D_KL[pi_ref || pi_theta] over the vocabulary, Eq. 8).
    /// </summary>
    [JsonPropertyName("kl_estimator")] public KlEstimator KlEstimator { get; init; } = KlEstimator.K1;

    /// <summary><c>all</c> response tokens carry the KL term (default) or only the <c>entities</c>' tokens (Eq. 8).</summary>
    [JsonPropertyName("kl_tokens")] public KlTokens KlTokens { get; init; } = KlTokens.All;

    /// <summary>
    /// Run the PPO update with dropout off (LoRA dropout included) and take log pi_old from that same forward before the
    /// first update, so rho = 1 exactly at the start of every step (trl's <c>disable_dropout</c>). false: the behaviour
    /// before issue 13, log pi_old from sampling (eval mode) and the update in train mode with dropout.
    /// </summary>
    [JsonPropertyName("disable_dropout")] public bool DisableDropout { get; init; } = true;

    /// <summary>epsilon of clip(rho_t, 1 - eps, 1 + eps) (Eq. 10).</summary>
    [JsonPropertyName("clip_epsilon")] public double ClipEpsilon { get; init; } = 0.2;

    /// <summary>e: PPO epochs per rollout batch (the paper: 4).</summary>
    [JsonPropertyName("ppo_epochs")] public int PpoEpochs { get; init; } = 4;

    /// <summary>Responses per optimiser step (must divide into run.batch_size; the last minibatch may be smaller).</summary>
    [JsonPropertyName("minibatch_size")] public int MinibatchSize { get; init; } = 4;

    /// <summary>
    /// Responses per forward/backward within a minibatch (gradient accumulation; also the chunk of the reference and
    /// value passes); 0 = the whole minibatch at once. Same gradients, less activation memory.
    /// </summary>
    [JsonPropertyName("micro_batch_size")] public int MicroBatchSize { get; init; }

    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-4;
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; }
    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;
    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;
    [JsonPropertyName("adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Gradient clipping (global L2 norm over the trainable parameters); 0 = off.</summary>
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Stop this step's PPO epochs once a minibatch's approximate KL(pi_old || pi_theta) exceeds it; 0 = off.</summary>
    [JsonPropertyName("early_stop_kl")] public double EarlyStopKl { get; init; } = 0.05;

    /// <summary>
    /// <c>token-reward</c> (the paper: A_t = R_t, no critic), <c>gae</c> (value head, GAE(gamma, lambda)) or <c>return</c>
    /// (A_t = sum_{t' >= t} gamma^(t' - t) R_t', no critic: with gamma = 1 a sentence reward on the last token reaches every
    /// token, minus the KL terms to go).
    /// </summary>
    [JsonPropertyName("advantage_mode")] public AdvantageMode AdvantageMode { get; init; } = AdvantageMode.TokenReward;

    [JsonPropertyName("gamma")] public double Gamma { get; init; } = 1.0;
    [JsonPropertyName("lambda")] public double Lambda { get; init; } = 0.95;

    /// <summary>Whiten advantages over the batch's response tokens (default on in gae mode, off in token-reward and return modes).</summary>
    [JsonPropertyName("whiten_advantages")] public bool? WhitenAdvantages { get; init; }

    /// <summary>Weight of the value loss in gae mode.</summary>
    [JsonPropertyName("value_coef")] public double ValueCoef { get; init; } = 0.1;

    /// <summary>Clip range of the value update around the rollout's value (PPO's clipped value loss); 0 = unclipped.</summary>
    [JsonPropertyName("value_clip")] public double ValueClip { get; init; } = 0.2;

    /// <summary>Entropy bonus coefficient (0 = entropy is only logged).</summary>
    [JsonPropertyName("entropy_coef")] public double EntropyCoef { get; init; }

    [JsonIgnore] public bool IsGae => AdvantageMode == AdvantageMode.Gae;
    [JsonIgnore] public bool Whiten => WhitenAdvantages ?? IsGae;

    /// <summary>Rows per forward/backward: <see cref="MicroBatchSize"/>, or the minibatch when 0.</summary>
    [JsonIgnore] public int RowsPerPass => MicroBatchSize > 0 ? MicroBatchSize : MinibatchSize;
}

/// <summary>The loop, its outputs and checkpoints.</summary>
public sealed record RunSettings
{
    [JsonPropertyName("steps")] public int Steps { get; init; } = 100;

    /// <summary>Rollouts (prompt + image -> response) per PPO step.</summary>
    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 8;

    [JsonPropertyName("seed")] public long Seed { get; init; } = 1;

    /// <summary>A checkpoint every N steps (and after the last); 0 = only at the end.</summary>
    [JsonPropertyName("checkpoint_interval")] public int CheckpointInterval { get; init; } = 10;

    /// <summary>Checkpoints kept (older ones are deleted).</summary>
    [JsonPropertyName("keep_checkpoints")] public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Metrics CSV, TensorBoard events, checkpoints and the final adapters go here.</summary>
    [JsonPropertyName("output_dir")] public string? OutputDir { get; init; }

    [JsonPropertyName("tensorboard")] public bool TensorBoard { get; init; } = true;
}
