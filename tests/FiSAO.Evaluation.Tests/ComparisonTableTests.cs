using FiSAO.Evaluation.Pope;
using FiSAO.Evaluation.Reports;

namespace FiSAO.Evaluation.Tests;

public class ComparisonTableTests
{
    [Fact]
    public void Markdown_PutsEvaluationsSideBySide_AndLeavesOutRowsNoneHas()
    {
        var basePolicy = new EvaluationSummary
        {
            Chair = new ChairSummary { Images = 500, ChairS = 0.5, ChairI = 0.125, Recall = 0.8, MeanLengthWords = 12.34 },
            Pope = new() { ["random"] = new PopeMetrics(3, 2, 2, 1) },
        };
        var fisao = new EvaluationSummary { Chair = new ChairSummary { Images = 500, ChairS = 0.25, ChairI = 0.0634, Recall = 0.75, MeanLengthWords = 10 } };

        var table = ComparisonTable.Markdown([("base", basePolicy), ("FiSAO", fisao)]).Split('\n');

        Assert.Equal("| metric | base | FiSAO |", table[0]);
        Assert.Equal("| --- | ---: | ---: |", table[1]);
        Assert.Equal("| CHAIR_s (%) ↓ | 50.0 | 25.0 |", table[2]);
        Assert.Equal("| CHAIR_i (%) ↓ | 12.5 | 6.3 |", table[3]);
        Assert.Contains("| length (words) | 12.3 | 10.0 |", table);
        Assert.Contains("| POPE random accuracy (%) ↑ | 62.5 | - |", table);
        Assert.Contains("| POPE random F1 (%) ↑ | 66.7 | - |", table);
        Assert.DoesNotContain(table, l => l.Contains("popular"));
    }

    [Fact]
    public void Summary_RoundTripsThroughItsJsonFile()
    {
        var path = Path.GetTempFileName();
        var summary = new EvaluationSummary { Policy = "p", Chair = new ChairSummary { Images = 2, ChairI = 0.5, ImageIds = [3, 9] }, Pope = new() { ["adversarial"] = new PopeMetrics(1, 0, 1, 0) } };
        try
        {
            summary.Save(path);
            var back = EvaluationSummary.Load(path);

            Assert.Equal(summary.Chair with { ImageIds = [] }, back.Chair! with { ImageIds = [] });
            Assert.Equal([3L, 9], back.Chair.ImageIds);
            Assert.Equal(summary.Pope!["adversarial"], back.Pope!["adversarial"]);
        }
        finally { File.Delete(path); }
    }
}
