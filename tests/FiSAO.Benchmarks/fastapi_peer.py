"""The Python peer of the `rest` benchmark: a FastAPI + uvicorn service doing the verifier's cached REST work.

POST /v1/score takes the same multipart form as the verifier (an `image` file and `tokens`, a JSON array of
SentencePiece pieces), hashes the image bytes (SHA-256) and looks its features up in a cache by that hash, finds the
entity mentions among the tokens, scores each as S = scale * cos(text, image) and answers the verifier's JSON shape
(tokens, rewards, mentions, image_id, model_id, calibrated, calibration_id).

It has no CLIP: on a cache miss it takes the features the benchmark exported for its image (the benchmark only times
cached requests). Entity text features and the image's features come from the verifier's own model via the file named
by FISAO_PEER_FEATURES. Run: python3 -m uvicorn fastapi_peer:app --app-dir tests/FiSAO.Benchmarks --port 5077
"""
import hashlib
import json
import os

import numpy as np
from fastapi import FastAPI, File, Form, UploadFile

with open(os.environ["FISAO_PEER_FEATURES"], encoding="utf-8") as f:
    _exported = json.load(f)
SCALE = float(_exported["scale"])
MODEL_ID = _exported["model_id"]
# Unit text features by surface form (lower case), as the verifier caches them.
TEXT = {s: np.asarray(v, dtype=np.float32) for s, v in _exported["surfaces"].items()}
ENTITY = _exported["entities"]
_FEATURES_ON_MISS = np.asarray(_exported["image_features"], dtype=np.float32)

_cache: dict[str, np.ndarray] = {}
app = FastAPI()


def _image_features(data: bytes) -> tuple[str, np.ndarray]:
    image_id = hashlib.sha256(data).hexdigest()
    features = _cache.get(image_id)
    if features is None:
        features = _FEATURES_ON_MISS / np.linalg.norm(_FEATURES_ON_MISS)
        _cache[image_id] = features
    return image_id, features


@app.post("/v1/score")
async def score(image: UploadFile = File(...), tokens: str = Form(...)):
    data = await image.read()
    image_id, unit_image = _image_features(data)
    pieces = json.loads(tokens)
    words = [p.replace("\u2581", "").strip(".,").lower() for p in pieces]
    mentions = []
    i = 0
    while i < len(words):
        # Two-word surface forms ("traffic light") first, as the verifier's mention finder prefers the longest.
        span = 2 if i + 1 < len(words) and f"{words[i]} {words[i + 1]}" in TEXT else 1
        surface = " ".join(words[i:i + span])
        text = TEXT.get(surface)
        if text is not None:
            s = SCALE * float(np.dot(text, unit_image))
            mentions.append({"surface": surface, "entity": ENTITY[surface], "token_start": i, "token_end": i + span,
                             "score": s, "reward": 0.0, "verdict": "neutral"})
        i += span
    return {"tokens": pieces, "rewards": [0.0] * len(pieces), "mentions": mentions, "image_id": image_id,
            "model_id": MODEL_ID, "calibrated": False, "calibration_id": None}
