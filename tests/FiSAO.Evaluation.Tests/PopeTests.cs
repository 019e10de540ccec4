using FiSAO.Evaluation.Coco;
using FiSAO.Evaluation.Pope;

namespace FiSAO.Evaluation.Tests;

public class PopeBuilderTests
{
    // Four images; object frequency person 3, dog 2, car 2, the rest 1 (first seen: person, dog, frisbee, car, bus, truck,
    // cat, couch, traffic light).
    private static readonly ImageObjects[] Images =
    [
        Image("1.jpg", "person", "dog", "frisbee"),
        Image("2.jpg", "person", "car", "bus", "truck"),
        Image("3.jpg", "dog", "cat", "couch"),
        Image("4.jpg", "person", "car", "traffic light"),
    ];

    private static ImageObjects Image(string file, params string[] objects) => new(new CocoImage(0, file, 1, 1), objects, objects);

    private static string[] Asked(IEnumerable<PopeQuestion> questions) => [.. questions.Select(q => $"{q.Image} {q.Label} {q.Object}")];

    [Fact]
    public void Popular_AsksAfterEachPresentObjectAboutTheMostFrequentAbsentOneNotAskedYet()
    {
        var questions = PopeBuilder.Questions(Images, PopeSplit.Popular, 3, new Random(1));

        // Worked by hand: popular order person, dog, car, frisbee, bus, truck, cat, couch, traffic light.
        Assert.Equal([
            "1.jpg yes person", "1.jpg no car", "1.jpg yes dog", "1.jpg no bus", "1.jpg yes frisbee", "1.jpg no truck",
            "2.jpg yes person", "2.jpg no dog", "2.jpg yes car", "2.jpg no frisbee", "2.jpg yes bus", "2.jpg no cat",
            "3.jpg yes dog", "3.jpg no person", "3.jpg yes cat", "3.jpg no car", "3.jpg yes couch", "3.jpg no frisbee",
            "4.jpg yes person", "4.jpg no dog", "4.jpg yes car", "4.jpg no frisbee", "4.jpg yes traffic light", "4.jpg no bus",
        ], Asked(questions));
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), questions.Select(q => q.QuestionId));
        Assert.Equal("Is there a person in the image?", questions[0].Text);
        Assert.Equal("Is there a traffic light in the image?", questions[22].Text);
    }

    [Fact]
    public void Adversarial_AsksAboutTheObjectMostCoOccurringWithThePresentOne_FallingBackToRandom()
    {
        var questions = PopeBuilder.Questions(Images, PopeSplit.Adversarial, 3, new Random(1));
        var asked = Asked(questions);

        // Co-occurrence (ties in first-seen order): person -> car 2, dog, frisbee, bus, truck, traffic light;
        // dog -> person, frisbee, cat, couch; car -> person 2, bus, truck, traffic light; cat -> dog, couch.
        Assert.Equal(["1.jpg yes person", "1.jpg no car", "1.jpg yes dog", "1.jpg no cat", "1.jpg yes frisbee"], asked[..5]);
        // frisbee co-occurs only with person and dog, both in image 1: a random absent object not asked yet.
        Assert.Contains(questions[5].Object, new[] { "bus", "truck", "couch", "traffic light" });
        Assert.Equal(["2.jpg yes person", "2.jpg no dog", "2.jpg yes car", "2.jpg no traffic light", "2.jpg yes bus"], asked[6..11]);
        Assert.Contains(questions[11].Object, new[] { "frisbee", "cat", "couch" }); // bus -> person, car, truck: all present
        Assert.Equal(["3.jpg yes dog", "3.jpg no person", "3.jpg yes cat"], asked[12..15]);
        Assert.Equal(["4.jpg yes person", "4.jpg no dog", "4.jpg yes car", "4.jpg no bus", "4.jpg yes traffic light"], asked[18..23]);
        Assert.All(questions.Where(q => !q.IsYes), q => Assert.DoesNotContain(q.Object, Images.Single(i => i.Image.FileName == q.Image).Instances));
    }

    [Fact]
    public void Random_AsksAboutDistinctAbsentObjectsOfTheDrawnImages_SeededAndRepeatable()
    {
        var a = PopeBuilder.Build(Images, PopeSplit.Random, imageCount: 4, seed: 7);
        var b = PopeBuilder.Build(Images, PopeSplit.Random, imageCount: 4, seed: 7);
        var c = PopeBuilder.Build(Images, PopeSplit.Random, imageCount: 4, seed: 8);

        Assert.Equal(a, b);
        Assert.NotEqual(Asked(a), Asked(c));
        Assert.Equal(24, a.Count);
        var all = Images.SelectMany(i => i.Instances).ToHashSet();
        foreach (var image in a.GroupBy(q => q.Image))
        {
            var objects = Images.Single(i => i.Image.FileName == image.Key).Instances;
            Assert.Equal(objects.Take(3), image.Where(q => q.IsYes).Select(q => q.Object));
            var negatives = image.Where(q => !q.IsYes).Select(q => q.Object).ToList();
            Assert.Equal(3, negatives.Distinct().Count());
            Assert.All(negatives, o => { Assert.DoesNotContain(o, objects); Assert.Contains(o, all); });
        }
        Assert.Equal([true, false, true, false, true, false], a.Take(6).Select(q => q.IsYes));
    }

    [Fact]
    public void Random_OnTwoDisjointImages_AsksEachAboutExactlyTheOthersObjects()
    {
        // Worked by hand: each image has 3 objects and the other image's 3 are the only absent ones, so whatever the
        // draws, image 1's negatives are {car, bus, truck} and image 2's {person, dog, cat}, one after each positive.
        ImageObjects[] images = [Image("1.jpg", "person", "dog", "cat"), Image("2.jpg", "car", "bus", "truck")];

        foreach (var seed in new long[] { 1, 2, 3 })
        {
            var questions = PopeBuilder.Build(images, PopeSplit.Random, imageCount: 2, seed);
            var byImage = questions.GroupBy(q => q.Image).ToDictionary(g => g.Key, g => g.ToList());

            Assert.Equal(["person", "dog", "cat"], byImage["1.jpg"].Where(q => q.IsYes).Select(q => q.Object));
            Assert.Equal(new HashSet<string> { "car", "bus", "truck" }, byImage["1.jpg"].Where(q => !q.IsYes).Select(q => q.Object).ToHashSet());
            Assert.Equal(new HashSet<string> { "person", "dog", "cat" }, byImage["2.jpg"].Where(q => !q.IsYes).Select(q => q.Object).ToHashSet());
            Assert.All(byImage.Values, list => Assert.Equal(["yes", "no", "yes", "no", "yes", "no"], list.Select(q => q.Label)));
        }
    }

    [Fact]
    public void Build_DrawsOnlyImagesWithEnoughObjects_AndSaysWhenThereAreTooFew()
    {
        ImageObjects[] images = [.. Images, Image("5.jpg", "dog", "cat")];

        var questions = PopeBuilder.Build(images, PopeSplit.Popular, imageCount: 4, seed: 3);
        var e = Assert.Throws<InvalidDataException>(() => PopeBuilder.Build(images, PopeSplit.Popular, imageCount: 5, seed: 3));

        Assert.DoesNotContain(questions, q => q.Image == "5.jpg");
        Assert.Equal(4, questions.Select(q => q.Image).Distinct().Count());
        Assert.StartsWith("POPE needs 5 images with at least 3 annotated objects; the split has 4.", e.Message);
    }

    [Fact]
    public void Question_UsesAnBeforeAVowel()
    {
        Assert.Equal("Is there an apple in the image?", PopeQuestion.Ask("apple"));
        Assert.Equal("Is there a banana in the image?", PopeQuestion.Ask("banana"));
    }
}

public class PopeAnswerTests
{
    [Theory]
    [InlineData("Yes, there is a dog in the image.", "yes")]
    [InlineData("No, there is not.", "no")]
    [InlineData("No", "no")]
    [InlineData("no, it is a cat", "no")]
    [InlineData("There is no dog in the image.", "no")]
    [InlineData("The dog is not visible.", "no")]
    [InlineData("Yes. There is no cat, though.", "yes")] // only the first sentence counts
    [InlineData("I cannot tell from this picture.", "yes")] // ambiguous: POPE counts it as yes
    [InlineData("", "yes")]
    [InlineData("NO", "yes")] // case-sensitive, as POPE: only "No", "no" and "not"
    [InlineData("Nope", "yes")]
    [InlineData("No! It is a cat.", "yes")] // "No!" is not the word "No"
    [InlineData("Not at all", "yes")] // "Not" capitalised is not "not"
    [InlineData("There is nothing.", "yes")]
    public void Parse_ReadsYesOrNoAsPopesEvaluator(string answer, string expected) =>
        Assert.Equal(expected, PopeAnswer.Parse(answer));
}

public class PopeMetricsTests
{
    [Fact]
    public void Metrics_MatchHandComputedValues()
    {
        // Labels yes x4 answered yes, yes, yes, no; labels no x4 answered yes, yes, no, no: TP 3, FN 1, FP 2, TN 2.
        var m = PopeMetrics.Of([("yes", "yes"), ("yes", "yes"), ("yes", "yes"), ("yes", "no"), ("no", "yes"), ("no", "yes"), ("no", "no"), ("no", "no")]);

        Assert.Equal(new PopeMetrics(3, 2, 2, 1), m);
        Assert.Equal(8, m.Questions);
        Assert.Equal(5.0 / 8, m.Accuracy, 12);
        Assert.Equal(3.0 / 5, m.Precision, 12);
        Assert.Equal(3.0 / 4, m.Recall, 12);
        Assert.Equal(2 * 0.6 * 0.75 / 1.35, m.F1, 12);
        Assert.Equal(5.0 / 8, m.YesRatio, 12);
    }

    [Fact]
    public void Metrics_OfAPolicyThatAlwaysSaysNo_AreZeroNotNaN()
    {
        var m = PopeMetrics.Of([("yes", "no"), ("no", "no")]);

        Assert.Equal((0.5, 0.0, 0.0, 0.0, 0.0), (m.Accuracy, m.Precision, m.Recall, m.F1, m.YesRatio));
    }
}

public class PopeQuestionFileTests
{
    [Fact]
    public void ReadsPopesOfficialFiles_TakingTheObjectFromTheQuestion()
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path, [
            """{"question_id": 1, "image": "COCO_val2014_000000310196.jpg", "text": "Is there a snowboard in the image?", "label": "yes"}""",
            """{"question_id": 2, "image": "COCO_val2014_000000310196.jpg", "text": "Is there an apple in the imange?", "label": "no"}""",
            "",
            """{"question_id": 3, "image": "x.jpg", "text": "Is there a dining table in the image?", "label": "no"}""",
        ]);
        try
        {
            var questions = PopeQuestionFile.Read(path);

            Assert.Equal(["snowboard", "apple", "dining table"], questions.Select(q => q.Object));
            Assert.Equal(["yes", "no", "no"], questions.Select(q => q.Label));
            Assert.Equal([1L, 2, 3], questions.Select(q => q.QuestionId));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LabelOtherThanYesOrNo_IsAnErrorNamingTheFileLineAndField()
    {
        var path = Path.GetTempFileName();
        File.WriteAllLines(path, [
            """{"question_id": 1, "image": "a.jpg", "text": "Is there a dog in the image?", "label": "yes"}""",
            """{"question_id": 2, "image": "a.jpg", "text": "Is there a cat in the image?", "label": "maybe"}""",
        ]);
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => PopeQuestionFile.Read(path));

            Assert.Equal($"{path}:2: field 'label' is 'maybe'; POPE labels are 'yes' or 'no'.", e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void WrittenQuestionsReadBackTheSame()
    {
        var path = Path.GetTempFileName();
        PopeQuestion[] questions = [new(1, "a.jpg", "Is there a cone in the image?", "yes", "cone"), new(2, "a.jpg", "Is there an orange in the image?", "no", "orange")];
        try
        {
            PopeQuestionFile.Write(path, questions);

            Assert.Equal(questions, PopeQuestionFile.Read(path));
        }
        finally { File.Delete(path); }
    }
}
