using SkiaSharp;

namespace Obscura.Biometrics.Onnx.Detection;

/// <summary>
/// The anchor centres BlazeFace's outputs are relative to, in the model's output order, normalised to [0, 1] of the
/// square input. MediaPipe's SSD anchor options for both models use a fixed anchor size of 1 and an offset of 0.5, so
/// an anchor is just the centre of a grid cell, and consecutive layers with the same stride share one grid: the 896
/// outputs are a fine grid with 2 anchors per cell followed by a coarse grid with 6 anchors per cell, row by row,
/// all anchors of one cell next to each other.
/// </summary>
internal static class BlazeFaceAnchors
{
    /// <summary>Anchors per cell on the fine grid, then on the coarse grid.</summary>
    internal const int FinePerCell = 2;

    /// <inheritdoc cref="FinePerCell"/>
    internal const int CoarsePerCell = 6;

    /// <summary>Side of the square input in pixels.</summary>
    internal static int InputSize(BlazeFaceModel model) => model switch
    {
        BlazeFaceModel.Front128 => 128,
        BlazeFaceModel.Back256 => 256,
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown BlazeFace model."),
    };

    /// <summary>Strides in input pixels of the fine and the coarse grid.</summary>
    internal static (int Fine, int Coarse) Strides(BlazeFaceModel model) => model switch
    {
        BlazeFaceModel.Front128 => (8, 16),
        BlazeFaceModel.Back256 => (16, 32),
        _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown BlazeFace model."),
    };

    /// <summary>Number of anchors on the fine grid (the first output block).</summary>
    internal static int FineCount(BlazeFaceModel model)
    {
        var cells = InputSize(model) / Strides(model).Fine;
        return cells * cells * FinePerCell;
    }

    /// <summary>Number of anchors on the coarse grid (the second output block).</summary>
    internal static int CoarseCount(BlazeFaceModel model)
    {
        var cells = InputSize(model) / Strides(model).Coarse;
        return cells * cells * CoarsePerCell;
    }

    /// <summary>All anchor centres, fine grid first.</summary>
    internal static SKPoint[] Create(BlazeFaceModel model)
    {
        var size = InputSize(model);
        var (fine, coarse) = Strides(model);
        var anchors = new SKPoint[FineCount(model) + CoarseCount(model)];
        var next = 0;
        foreach (var (stride, perCell) in new[] { (fine, FinePerCell), (coarse, CoarsePerCell) })
        {
            var cells = size / stride;
            for (var y = 0; y < cells; y++)
            {
                for (var x = 0; x < cells; x++)
                {
                    var centre = new SKPoint((x + 0.5f) / cells, (y + 0.5f) / cells);
                    for (var a = 0; a < perCell; a++)
                    {
                        anchors[next++] = centre;
                    }
                }
            }
        }

        return anchors;
    }
}
