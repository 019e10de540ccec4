# syntax=docker/dockerfile:1
# FiSAO verifier, CUDA image (TorchSharp-cuda-linux: libtorch with CUDA 12.x). Build from the repository root with
# access to nuget.org (the CUDA packages are about 3 GB):
#   docker build -f deploy/docker/verifier.cuda.Dockerfile -t fisao/verifier:cuda .
# Run on a host with the NVIDIA driver and the NVIDIA Container Toolkit:
#   docker run --rm --gpus all -p 5000:5000 -v fisao-models:/data fisao/verifier:cuda --device cuda --dtype bf16
# docs/deployment.md explains every choice made here.

# The CUDA runtime base. libtorch's CUDA build ships its own CUDA/cuBLAS/cuDNN libraries, so what matters most is
# a host driver new enough for that CUDA release; keep this tag's CUDA version equal to the libtorch-cuda-12.x
# package TorchSharp-cuda-linux pulls in (see Directory.Packages.props), and override it with --build-arg if needed.
ARG CUDA_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04
# Where the .NET runtime is copied from: the official ASP.NET Core image, also Ubuntu 24.04, so its runtime's
# native dependencies match the CUDA base.
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

# ---- build: .NET SDK (Ubuntu 24.04) -------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY protos/ protos/
COPY services/ services/
# -p:TorchBackend=cuda swaps libtorch-cpu-linux-x64 for TorchSharp-cuda-linux (services/FiSAO.Models). The
# Debian-12 GLIBCXX fix in build/TorchSharp.Native.targets is a no-op on this Ubuntu 24.04 SDK (GCC 14 libstdc++).
RUN --mount=type=cache,id=fisao-nuget,target=/root/.nuget/packages \
    dotnet publish services/Verifier/FiSAO.Verifier.csproj -c Release -r linux-x64 --self-contained false \
        -p:TorchBackend=cuda -p:UseAppHost=false -o /app \
 && rm -f /app/libtorch_python.so /app/libjitbackend_test.so /app/libtorchbind_test.so /app/libaoti_custom_ops.so \
          /app/libbackend_with_compiler.so /app/libnnapi_backend.so \
 && mkdir -p /data

FROM ${DOTNET_RUNTIME_IMAGE} AS dotnet

# ---- runtime: NVIDIA CUDA runtime (Ubuntu 24.04) + the ASP.NET Core runtime, no SDK ----------------------------------
FROM ${CUDA_IMAGE} AS runtime
# What the .NET runtime needs on Ubuntu 24.04 (globalization is invariant in this project, so no ICU).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates libssl3t64 libstdc++6 tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1654 app \
 && useradd --uid 1654 --gid 1654 --no-create-home --home-dir /data --shell /usr/sbin/nologin app
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
COPY --from=build --chown=1654:1654 /data /data
COPY --from=build /app /app
WORKDIR /app
ENV DOTNET_ROOT=/usr/share/dotnet \
    ASPNETCORE_HTTP_PORTS=5000 \
    Verifier__DataDirectory=/data \
    Verifier__Device=cuda \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
# Same uid as the CPU image's "app" user, so the two images can share a volume.
USER 1654
EXPOSE 5000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["env", "DOTNET_EnableDiagnostics=0", "dotnet", "/app/FiSAO.Verifier.dll", "health", "--timeout", "4"]
ENTRYPOINT ["dotnet", "/app/FiSAO.Verifier.dll"]
