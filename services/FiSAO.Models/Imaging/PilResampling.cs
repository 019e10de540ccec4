namespace FiSAO.Models.Imaging;

/// <summary>PIL's resampling filters, numbered as in <c>PIL.Image.Resampling</c> and HF's <c>resample</c> key.</summary>
public enum PilResampling
{
    Nearest = 0,
    Lanczos = 1,
    Bilinear = 2,
    Bicubic = 3,
    Box = 4,
    Hamming = 5,
}
