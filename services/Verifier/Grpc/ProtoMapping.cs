using System.Globalization;
using TokenFormat = FiSAO.Rewards.Alignment.TokenFormat;
using FiSAO.Verifier.Hosting;
using FiSAO.Verifier.Scoring;
using FiSAO.Verifier.V1;

namespace FiSAO.Verifier.Grpc;

/// <summary>Between the contract's messages and the engine's types.</summary>
public static class ProtoMapping
{
    public static ImageInput ToInput(ImageRef? image) => image?.SourceCase switch
    {
        ImageRef.SourceOneofCase.Data when !image.Data.IsEmpty => ImageInput.FromBytes(image.Data.Memory),
        ImageRef.SourceOneofCase.ImageId when !string.IsNullOrWhiteSpace(image.ImageId) => ImageInput.FromId(image.ImageId),
        _ => throw VerifierException.Invalid("The request has no image: set image.data (encoded bytes) or image.image_id."),
    };

    public static TokenFormat ToFormat(V1.TokenFormat format) => format switch
    {
        V1.TokenFormat.Auto => TokenFormat.Auto,
        V1.TokenFormat.Plain => TokenFormat.Plain,
        V1.TokenFormat.SentencePiece => TokenFormat.SentencePiece,
        V1.TokenFormat.ByteLevelBpe => TokenFormat.ByteLevelBpe,
        V1.TokenFormat.WordPiece => TokenFormat.WordPiece,
        _ => throw VerifierException.Invalid($"Unknown token_format {(int)format}."),
    };

    public static ScoreTokensResponse ToProto(ScoredResponse scored, string requestId)
    {
        var response = new ScoreTokensResponse
        {
            ImageId = scored.ImageId,
            ModelId = scored.ModelId,
            Calibrated = scored.Calibrated,
            RequestId = requestId,
            CalibrationId = scored.CalibrationId ?? "",
        };
        response.Rewards.AddRange(scored.Rewards);
        response.Mentions.AddRange(scored.Mentions.Select(m => new EntityMention
        {
            Surface = m.Surface,
            Entity = m.Entity,
            TokenStart = m.TokenStart,
            TokenEnd = m.TokenEnd,
            Score = m.Score,
            Reward = m.Reward,
            Verdict = m.Verdict switch
            {
                RewardVerdict.Correct => Verdict.Correct,
                RewardVerdict.Hallucinated => Verdict.Hallucinated,
                _ => Verdict.Neutral,
            },
        }));
        return response;
    }

    public static FiSAO.Rewards.CalibrationCount ToCount(V1.CalibrationCount count) => count switch
    {
        V1.CalibrationCount.Mentions => FiSAO.Rewards.CalibrationCount.Mentions,
        V1.CalibrationCount.Sets => FiSAO.Rewards.CalibrationCount.Sets,
        _ => throw VerifierException.Invalid($"Unknown count {(int)count}: CALIBRATION_COUNT_MENTIONS (0) or CALIBRATION_COUNT_SETS (1)."),
    };

    public static CalibrationSampleInput ToSample(CalibrationSample sample) => new(
        ToInput(sample.Image),
        sample.ResponseCase == CalibrationSample.ResponseOneofCase.Text ? sample.Text : null,
        sample.ResponseCase == CalibrationSample.ResponseOneofCase.Tokens ? sample.Tokens.Tokens : null,
        sample.ResponseCase == CalibrationSample.ResponseOneofCase.Tokens ? ToFormat(sample.Tokens.TokenFormat) : TokenFormat.Auto,
        sample.GroundTruthObjects);

    public static V1.Calibration ToProto(FiSAO.Rewards.Calibration c) => new()
    {
        MuGt = c.MuGt,
        MuHal = c.MuHal,
        SMin = c.SMin,
        SMax = c.SMax,
        CorrectCount = (int)c.CorrectCount,
        HallucinatedCount = (int)c.HallucinatedCount,
        ModelId = c.ModelId ?? "",
        EntitySetHash = c.EntitySetHash ?? "",
        MentionTemplate = c.MentionTemplate ?? "",
        CreatedUtc = c.CreatedUtc?.ToString("O", CultureInfo.InvariantCulture) ?? "",
    };

    public static CalibrateResponse ToProto(CalibrationOutcome outcome)
    {
        var response = new CalibrateResponse
        {
            Calibration = ToProto(outcome.Calibration),
            Applied = outcome.Applied,
            NotAppliedReason = outcome.NotAppliedReason ?? "",
            CalibrationId = outcome.CalibrationId,
        };
        response.SampleErrors.AddRange(outcome.SampleErrors.Select(e => new CalibrationSampleError
        {
            Index = e.Index,
            Error = new ItemError { Code = (int)e.Error.Code, Message = e.Error.Message },
        }));
        return response;
    }

    public static GetInfoResponse ToProto(VerifierDescription d)
    {
        var info = new GetInfoResponse
        {
            Version = d.Version,
            ModelId = d.ModelId,
            ModelPath = d.ModelPath,
            ImageSize = d.ImageSize,
            EmbeddingDim = d.EmbeddingDim,
            LogitScale = d.LogitScale,
            Device = d.Device,
            Calibrated = d.Calibrated,
            CalibrationId = d.CalibrationId ?? "",
            EntitySet = new EntitySetInfo
            {
                EntityCount = d.EntitySet.EntityCount,
                SurfaceFormCount = d.EntitySet.SurfaceFormCount,
                Hash = d.EntitySet.Hash,
                Source = d.EntitySet.Source,
            },
            Settings = new RewardSettingsInfo
            {
                Margin = d.Settings.Margin,
                Placement = d.Settings.Placement.ToString(),
                MentionTemplate = d.Settings.MentionTemplate,
                HallucinationDenominator = d.Settings.HallucinationDenominator.ToString(),
                ScoreBounds = d.Settings.ScoreBounds.ToString(),
                ClipToUnitRange = d.Settings.ClipToUnitRange,
            },
            Limits = new Limits
            {
                MaxMessageBytes = d.Limits.MaxMessageBytes,
                MaxImageBytes = d.Limits.MaxImageBytes,
                MaxImagePixels = d.Limits.MaxImagePixels,
                MaxTokens = d.Limits.MaxTokens,
                MaxBatchItems = d.Limits.MaxBatchItems,
                QueueCapacity = d.Batching.QueueCapacity,
                MaxEncodeBatch = d.Batching.MaxBatchSize,
                MaxQueueDelayMs = d.Batching.MaxQueueDelayMs,
                BatchInvariant = d.Batching.BatchInvariant,
            },
        };
        if (d.Calibration is { } c) info.Calibration = ToProto(c);
        return info;
    }
}
