# syntax=docker/dockerfile:1
# FiSAO verifier, CPU image (libtorch CPU). Build from the repository root:
#   docker build -f deploy/docker/verifier.Dockerfile -t fisao/verifier:cpu .
# Run (the built-in shapes-world model ships in the image and is installed into /data on start; no training):
#   docker run --rm -p 5000:5000 -v fisao-models:/data fisao/verifier:cpu
# Run a HuggingFace CLIP folder:
#   docker run --rm -p 5000:5000 -v fisao-models:/data -v /path/to/clip:/models/clip:ro fisao/verifier:cpu --model /models/clip
# docs/deployment.md explains every choice made here.

# ---- build: .NET SDK (Ubuntu 24.04) -------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Only what the verifier's project graph needs (.dockerignore drops bin/, obj/, tests and the rest).
COPY Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY protos/ protos/
COPY services/ services/
# The NuGet cache is a BuildKit cache mount: libtorch (about 600 MB) is downloaded once per builder, not per source
# edit, and never ends up in a layer. The publish output holds the files the app needs.
# build/TorchSharp.Native.targets (the Debian-12 GLIBCXX_3.4.32 fix) runs after publish but does nothing here: this
# SDK image is Ubuntu 24.04, whose libstdc++ (GCC 14) defines GLIBCXX_3.4.32. Built on a Debian 12 SDK it would mark
# that one requirement weak in the published copy, which is harmless on Ubuntu 24.04 too.
RUN --mount=type=cache,id=fisao-nuget,target=/root/.nuget/packages \
    dotnet publish services/Verifier/FiSAO.Verifier.csproj -c Release -r linux-x64 --self-contained false \
        -p:TorchBackend=cpu -p:UseAppHost=false -o /app \
 && rm -f /app/libtorch_python.so /app/libjitbackend_test.so /app/libtorchbind_test.so /app/libaoti_custom_ops.so \
          /app/libbackend_with_compiler.so /app/libnnapi_backend.so \
 && mkdir -p /data

# ---- runtime: ASP.NET Core runtime (Ubuntu 24.04), no SDK ------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# The image's non-root user "app" (uid/gid 1654, $APP_UID) owns the data directory; a named volume mounted there
# starts with that ownership. Kubernetes sets fsGroup 1654 for the same effect.
COPY --from=build --chown=1654:1654 /data /data
COPY --from=build /app /app
WORKDIR /app
ENV ASPNETCORE_HTTP_PORTS=5000 \
    Verifier__DataDirectory=/data
USER $APP_UID
EXPOSE 5000
VOLUME ["/data"]
# gRPC health (grpc.health.v1 over h2c on ASPNETCORE_HTTP_PORTS) via the verifier's own "health" subcommand: no
# extra binary, no download. The start period covers loading the model (seconds for the built-in one). The probe
# runs without diagnostics IPC so that a probe killed at its timeout leaves no socket behind in /tmp.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["env", "DOTNET_EnableDiagnostics=0", "dotnet", "/app/FiSAO.Verifier.dll", "health", "--timeout", "4"]
ENTRYPOINT ["dotnet", "/app/FiSAO.Verifier.dll"]
