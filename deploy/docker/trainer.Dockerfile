# syntax=docker/dockerfile:1
# FiSAO PPO trainer, CPU image. Build from the repository root:
#   docker build -f deploy/docker/trainer.Dockerfile -t fisao/trainer:cpu .
#

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
# The Debian-12 GLIBCXX fix (build/TorchSharp.Native.targets) is a no-op on this Ubuntu 24.04 SDK (GCC 14).
RUN --mount=type=cache,id=fisao-nuget,target=/root/.nuget/packages \
    dotnet publish "$TRAINER_PROJECT" -c Release -r linux-x64 --self-contained false \
        -p:TorchBackend=cpu -p:UseAppHost=false -o /app \
 && rm -f /app/libtorch_python.so /app/libjitbackend_test.so /app/libtorchbind_test.so /app/libaoti_custom_ops.so \
          /app/libbackend_with_compiler.so /app/libnnapi_backend.so \
 && mkdir -p /checkpoints /logs

# ---- runtime: .NET runtime (Ubuntu 24.04), no SDK --------------------------------------------------------------------
# The ASP.NET Core runtime image rather than the plain runtime: it shares every layer with the verifier image (one
# download on a host running both) and still runs the trainer if its project graph pulls in a web package.
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
COPY --from=build --chown=1654:1654 /checkpoints /checkpoints
COPY --from=build --chown=1654:1654 /logs /logs
COPY --from=build /app /app
WORKDIR /app
# The verifier to score rollouts with: dns:///name:port gives client-side round-robin over every replica the name
# resolves to (compose service with --scale, Kubernetes headless Service).
ENV FISAO_SERVER=dns:///verifier:5000
USER $APP_UID
VOLUME ["/checkpoints", "/logs"]
# No HEALTHCHECK probe: the trainer is a run-to-completion job that serves nothing, so there is no endpoint to ask;
# its health is its exit status (compose: restart on failure; Kubernetes: Job backoffLimit). What it depends on is
# gated instead: compose starts it only once the verifier's gRPC health check passes, and the Kubernetes Job's
# init container waits on the same check.
HEALTHCHECK NONE
ENTRYPOINT ["dotnet", "/app/fisao-trainer.dll"]
# The shapes-world demo against a verifier serving its built-in model (compose and k8s pass their own arguments).
CMD ["shapes-demo", "--verifier", "http://verifier:5000", "--out", "/checkpoints/shapes-demo"]
