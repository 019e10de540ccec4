namespace FiSAO.Models.SafeTensors;

/// <summary>One entry of a safetensors header: dtype name as written in the file, shape, and byte range in the data section.</summary>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public string ShapeText => SafeTensorDTypes.FormatShape(Shape);
}
