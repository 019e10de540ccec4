# syntax=docker/dockerfile:1
# FiSAO PPO trainer, CUDA image (TorchSharp-cuda-linux: libtorch with CUDA 12.x). Build from the repository root with
# access to nuget.org (the CUDA packages are about 3 GB):
#   docker build -f deploy/docker/trainer.cuda.Dockerfile -t fisao/trainer:cuda .
#

ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

# ---- build: .NET SDK (Ubuntu 24.04) -------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TRAINER_PROJECT=trainer/FiSAO.Trainer/FiSAO.Trainer.csproj
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY protos/ protos/
COPY services/ services/
COPY clients/FiSAO.Client/ clients/FiSAO.Client/
COPY trainer/ trainer/
RUN --mount=type=cache,id=fisao-nuget,target=/root/.nuget/packages \
    dotnet publish "$TRAINER_PROJECT" -c Release -r linux-x64 --self-contained false \
        -p:TorchBackend=cuda -p:UseAppHost=false -o /app \
 && rm -f /app/libtorch_python.so /app/libjitbackend_test.so /app/libtorchbind_test.so /app/libaoti_custom_ops.so \
          /app/libbackend_with_compiler.so /app/libnnapi_backend.so \
 && mkdir -p /checkpoints /logs

FROM ${DOTNET_RUNTIME_IMAGE} AS dotnet

# ---- runtime: NVIDIA CUDA runtime (Ubuntu 24.04) + the ASP.NET Core runtime, no SDK ----------------------------------
FROM ${CUDA_IMAGE} AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libssl3t64 libstdc++6 tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1654 app \
 && useradd --uid 1654 --gid 1654 --no-create-home --home-dir /checkpoints --shell /usr/sbin/nologin app
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
COPY --from=build --chown=1654:1654 /checkpoints /checkpoints
COPY --from=build --chown=1654:1654 /logs /logs
COPY --from=build /app /app
WORKDIR /app
ENV DOTNET_ROOT=/usr/share/dotnet \
    FISAO_SERVER=dns:///verifier:5000 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
USER 1654
VOLUME ["/checkpoints", "/logs"]
# No HEALTHCHECK probe: a run-to-completion job serves nothing (see trainer.Dockerfile).
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "/app/fisao-trainer.dll"]
# The shapes-world demo against a verifier serving its built-in model (compose and k8s pass their own arguments).
CMD ["shapes-demo", "--verifier", "http://verifier:5000", "--out", "/checkpoints/shapes-demo"]
