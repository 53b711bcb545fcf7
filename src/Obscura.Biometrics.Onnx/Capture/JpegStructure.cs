namespace Obscura.Biometrics.Onnx.Capture;

/// <summary>
/// Whether a JPEG file reaches its end-of-image marker. Skia decodes a truncated JPEG "successfully", filling the
/// missing rows with grey, so the capture checks the structure itself: it walks the top-level segments from SOI,
/// skips each scan's entropy-coded data (where a 0xFF byte is always followed by 0x00 or a restart marker), and
/// looks for EOI. Data after EOI (phones append videos there) is allowed.
/// </summary>
internal static class JpegStructure
{
    /// <summary>True when <paramref name="data"/> starts with SOI and its segments lead to EOI within the data.</summary>
    public static bool IsComplete(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8)
        {
            return false;
        }

        var i = 2;
        while (i < data.Length)
        {
            if (data[i] != 0xFF)
            {
                return false;
            }

            while (i < data.Length && data[i] == 0xFF)
            {
                i++; // fill bytes before a marker
            }

            if (i >= data.Length)
            {
                return false;
            }

            var marker = data[i++];
            if (marker == 0xD9)
            {
                return true;
            }

            if (marker is (>= 0xD0 and <= 0xD7) or 0x01)
            {
                continue; // a marker without a length
            }

            if (i + 2 > data.Length)
            {
                return false;
            }

            var length = (data[i] << 8) | data[i + 1];
            if (length < 2 || i + length > data.Length)
            {
                return false;
            }

            i += length;
            if (marker == 0xDA)
            {
                // Entropy-coded data runs until 0xFF followed by something other than 0x00, a restart marker or fill.
                while (true)
                {
                    if (i + 1 >= data.Length)
                    {
                        return false;
                    }

                    if (data[i] == 0xFF && data[i + 1] is not (0x00 or 0xFF) && data[i + 1] is not (>= 0xD0 and <= 0xD7))
                    {
                        break;
                    }

                    i++;
                }
            }
        }

        return false;
    }
}
