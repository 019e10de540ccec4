"""A complete, tiny Hugging Face CLIP folder with random weights, written with numpy alone.

Mirrors ``tests/FiSAO.Verifier.Tests/Support/TinyClipFolder.cs`` (same config), so the Python tests need no .NET
helper: config.json, model.safetensors (every ``CLIPModel`` parameter, fp32), a byte-level ``vocab.json`` +
``merges.txt`` (256 byte symbols, the same with ``</w>``, ``<|startoftext|>`` 512, ``<|endoftext|>`` 513, no merges)
and preprocessor_config.json (32 px). The verifier loads it strictly, through the same path as a real CLIP.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

IMAGE_SIZE = 32
PATCH_SIZE = 8
PROJECTION_DIM = 16
HIDDEN = 32
INTERMEDIATE = 64
LAYERS = 2
HEADS = 4
VOCAB = 514
MAX_POSITIONS = 77
LOGIT_SCALE_INIT = 2.6592


def config() -> dict:
    text = {
        "model_type": "clip_text_model", "vocab_size": VOCAB, "hidden_size": HIDDEN, "intermediate_size": INTERMEDIATE,
        "projection_dim": PROJECTION_DIM, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS,
        "max_position_embeddings": MAX_POSITIONS, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
        "pad_token_id": 513, "bos_token_id": 512, "eos_token_id": 513,
    }
    vision = {
        "model_type": "clip_vision_model", "hidden_size": HIDDEN, "intermediate_size": INTERMEDIATE,
        "projection_dim": PROJECTION_DIM, "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "num_channels": 3,
        "image_size": IMAGE_SIZE, "patch_size": PATCH_SIZE, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
    }
    return {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": PROJECTION_DIM,
            "logit_scale_init_value": LOGIT_SCALE_INIT, "text_config": text, "vision_config": vision}


def parameter_shapes() -> dict[str, tuple[int, ...]]:
    """Name -> shape of every HF ``CLIPModel`` parameter for the tiny config (HF's names and layouts)."""
    shapes: dict[str, tuple[int, ...]] = {}

    def encoder(prefix: str) -> None:
        for i in range(LAYERS):
            layer = f"{prefix}.encoder.layers.{i}"
            for proj in ("k_proj", "v_proj", "q_proj", "out_proj"):
                shapes[f"{layer}.self_attn.{proj}.weight"] = (HIDDEN, HIDDEN)
                shapes[f"{layer}.self_attn.{proj}.bias"] = (HIDDEN,)
            for norm in ("layer_norm1", "layer_norm2"):
                shapes[f"{layer}.{norm}.weight"] = (HIDDEN,)
                shapes[f"{layer}.{norm}.bias"] = (HIDDEN,)
            shapes[f"{layer}.mlp.fc1.weight"] = (INTERMEDIATE, HIDDEN)
            shapes[f"{layer}.mlp.fc1.bias"] = (INTERMEDIATE,)
            shapes[f"{layer}.mlp.fc2.weight"] = (HIDDEN, INTERMEDIATE)
            shapes[f"{layer}.mlp.fc2.bias"] = (HIDDEN,)

    shapes["text_model.embeddings.token_embedding.weight"] = (VOCAB, HIDDEN)
    shapes["text_model.embeddings.position_embedding.weight"] = (MAX_POSITIONS, HIDDEN)
    encoder("text_model")
    shapes["text_model.final_layer_norm.weight"] = (HIDDEN,)
    shapes["text_model.final_layer_norm.bias"] = (HIDDEN,)
    positions = (IMAGE_SIZE // PATCH_SIZE) ** 2 + 1
    shapes["vision_model.embeddings.class_embedding"] = (HIDDEN,)
    shapes["vision_model.embeddings.patch_embedding.weight"] = (HIDDEN, 3, PATCH_SIZE, PATCH_SIZE)
    shapes["vision_model.embeddings.position_embedding.weight"] = (positions, HIDDEN)
    shapes["vision_model.pre_layrnorm.weight"] = (HIDDEN,)
    shapes["vision_model.pre_layrnorm.bias"] = (HIDDEN,)
    encoder("vision_model")
    shapes["vision_model.post_layernorm.weight"] = (HIDDEN,)
    shapes["vision_model.post_layernorm.bias"] = (HIDDEN,)
    shapes["visual_projection.weight"] = (PROJECTION_DIM, HIDDEN)
    shapes["text_projection.weight"] = (PROJECTION_DIM, HIDDEN)
    shapes["logit_scale"] = ()
    return shapes


def write_safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    """safetensors: u64 little-endian header length, a JSON header (dtype, shape, data_offsets), raw LE data."""
    header: dict[str, dict] = {}
    chunks: list[bytes] = []
    offset = 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # keep the data section 8-byte aligned, as the reference writer does
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for chunk in chunks:
            f.write(chunk)


def bytes_to_unicode() -> list[str]:
    """GPT-2's byte -> printable character table (CLIP's BPE alphabet), in byte order."""
    table: list[str] = []
    extra = 256
    for b in range(256):
        printable = ord("!") <= b <= ord("~") or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF
        if printable:
            table.append(chr(b))
        else:
            table.append(chr(extra))
            extra += 1
    return table


def write(directory: Path, seed: int = 7) -> Path:
    """Writes the folder and returns it."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    tensors: dict[str, np.ndarray] = {}
    for name, shape in parameter_shapes().items():
        if name == "logit_scale":
            tensors[name] = np.array(LOGIT_SCALE_INIT, dtype=np.float32)
        elif "norm" in name:  # layer norms: identity, as HF initialises them
            tensors[name] = np.ones(shape, np.float32) if name.endswith(".weight") else np.zeros(shape, np.float32)
        else:
            tensors[name] = (rng.standard_normal(shape) * 0.02).astype(np.float32)
    write_safetensors(directory / "model.safetensors", tensors)
    (directory / "config.json").write_text(json.dumps(config(), indent=2))
    (directory / "preprocessor_config.json").write_text(json.dumps({
        "image_processor_type": "CLIPImageProcessor", "do_resize": True, "size": {"shortest_edge": IMAGE_SIZE},
        "resample": 3, "do_center_crop": True, "crop_size": {"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True,
        "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
        "do_convert_rgb": True,
    }, indent=2))
    symbols = bytes_to_unicode()
    vocab = {s: i for i, s in enumerate(symbols)}
    vocab.update({s + "</w>": 256 + i for i, s in enumerate(symbols)})
    vocab["<|startoftext|>"] = 512
    vocab["<|endoftext|>"] = 513
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (directory / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
    return directory
