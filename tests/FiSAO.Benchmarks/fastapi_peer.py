"""The Python peer of the `rest` benchmark: a FastAPI + uvicorn service doing the verifier's cached REST work.

POST /v1/score takes the same multipart form as the verifier (an `image` file and `tokens`, a JSON array of
SentencePiece pieces), hashes the image bytes (SHA-256) and looks its features up in a cache by that hash, finds the
entity mentions among the tokens, scores each as S = scale * cos(text, image) and answers the verifier's JSON shape
(tokens, rewards, mentions, image_id, model_id, calibrated, calibration_id).

FISAO_PEER_PARSER picks how the form is read: `form` (default), FastAPI's own form handling (UploadFile and Form,
parsed by python-multipart); `raw`, the tuned variant (the raw body split with bytes.find, the answer written by
json.dumps).

It has no CLIP: on a cache miss it takes the features the benchmark exported for its image (the benchmark only times
cached requests). Entity text features and the image's features come from the verifier's own model via the file named
by FISAO_PEER_FEATURES. Run: python3 -m uvicorn fastapi_peer:app --app-dir tests/FiSAO.Benchmarks --port 5077
"""
import hashlib
import json
import os
import re

import numpy as np
from fastapi import FastAPI, File, Form, HTTPException, Request, Response, UploadFile

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


def _score(data: bytes, tokens: str) -> dict:
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


if os.environ.get("FISAO_PEER_PARSER", "form") == "form":
    @app.post("/v1/score")
    async def score(image: UploadFile = File(...), tokens: str = Form(...)):
        # FastAPI's own form handling (python-multipart; Starlette spools each file, in memory up to 1 MiB).
        return _score(await image.read(), tokens)
else:
    _BOUNDARY = re.compile(r'boundary="?([^";]+)"?')
    _NAME = re.compile(rb'[; ]name="?([^";\r\n]+)"?')

    @app.post("/v1/score")
    async def score(request: Request):
        # Tuned: the raw body, split at the delimiter with bytes.find (C speed), and the answer serialised by json.dumps
        # without FastAPI's jsonable_encoder; what a Python engineer would write to make this endpoint fast.
        match = _BOUNDARY.search(request.headers.get("content-type", ""))
        if match is None:
            raise HTTPException(400, "no multipart boundary")
        body = await request.body()
        delimiter = b"\r\n--" + match.group(1).encode("ascii")
        fields = {}
        position = body.find(delimiter[2:])
        while position >= 0 and body[position + len(delimiter) - 2:position + len(delimiter)] != b"--":
            header_end = body.find(b"\r\n\r\n", position)
            end = body.find(delimiter, header_end)
            name = _NAME.search(body, position, header_end)
            if header_end < 0 or end < 0 or name is None:
                raise HTTPException(400, "malformed multipart body")
            fields[name.group(1).decode()] = body[header_end + 4:end]
            position = end + 2
        if "image" not in fields or "tokens" not in fields:
            raise HTTPException(400, "the form needs `image` and `tokens`")
        return Response(json.dumps(_score(fields["image"], fields["tokens"].decode())), media_type="application/json")
