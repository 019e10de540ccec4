namespace FiSAO.Models.Imaging;

/// <summary>A rectangle of pixels: columns [Left, Left + Width), rows [Top, Top + Height).</summary>
internal readonly record struct PixelRegion(int Left, int Top, int Width, int Height);
