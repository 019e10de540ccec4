using FiSAO.ShapesWorld.World;

namespace FiSAO.ShapesWorld.Scenes;

/// <summary>Grids of images as one PNG, for looking at a dataset or the vocabulary.</summary>
public static class ContactSheet
{
    /// <summary>The scenes in a grid, each scaled up by <paramref name="scale"/> (nearest neighbour), 2 px gaps.</summary>
    public static byte[] Scenes(IReadOnlyList<Scene> scenes, int columns = 8, int scale = 2) =>
        Grid(scenes.Select(s => (s.Rgb, s.Width, s.Height)).ToList(), columns, scale);

    /// <summary>Every noun of the vocabulary drawn alone (in the order of <see cref="ShapesVocabulary.Nouns"/>).</summary>
    public static byte[] Vocabulary(int size = 96, int columns = 8)
    {
        var icons = ShapesVocabulary.Nouns.Select((n, i) =>
        {
            var color = ShapesVocabulary.Colors[i % ShapesVocabulary.Colors.Count];
            return (SceneGenerator.RenderIcon(n.Kind, color, size).Rgb, size, size);
        }).ToList();
        return Grid(icons, columns, 1);
    }

    private static byte[] Grid(IReadOnlyList<(byte[] Rgb, int Width, int Height)> images, int columns, int scale)
    {
        const int gap = 2;
        int cellW = images.Max(i => i.Width) * scale, cellH = images.Max(i => i.Height) * scale;
        int rows = (images.Count + columns - 1) / columns;
        int width = columns * (cellW + gap) + gap, height = rows * (cellH + gap) + gap;
        var rgb = new byte[width * height * 3];
        Array.Fill(rgb, (byte)255);
        for (int n = 0; n < images.Count; n++)
        {
            var (img, w, h) = images[n];
            int ox = gap + n % columns * (cellW + gap), oy = gap + n / columns * (cellH + gap);
            for (int y = 0; y < h * scale; y++)
                for (int x = 0; x < w * scale; x++)
                {
                    int src = ((y / scale) * w + x / scale) * 3, dst = ((oy + y) * width + ox + x) * 3;
                    rgb[dst] = img[src];
                    rgb[dst + 1] = img[src + 1];
                    rgb[dst + 2] = img[src + 2];
                }
        }
        return ScenePng.Encode(rgb, width, height);
    }
}
