using System.Globalization;
using System.Text;

namespace Obscura.StoreAnalytics.Edge.Sources;

/// <summary>
/// Reads the parts of a <c>multipart/x-mixed-replace</c> body (an MJPEG camera stream) one at a time: a delimiter line
/// <c>--boundary</c>, header lines, an empty line, then the part's bytes — exactly <c>Content-Length</c> of them when
/// the part declares it, else everything up to the next delimiter line. Tolerates what cameras send (LF as well as CRLF,
/// a boundary parameter that already starts with <c>--</c>, blank lines and a short preamble before a delimiter); refuses
/// with <see cref="MjpegStreamException"/> a part larger than the limit, a declared length that is not followed by a
/// delimiter, an over-long header line, too many headers or too much data before any delimiter. Messages never quote
/// the stream's bytes (they may be image data). Bytes of a part are copied into a fresh array and wiped from the read
/// buffer. Not thread-safe.
/// </summary>
internal sealed class MultipartFrameReader : IDisposable
{
    /// <summary>The longest header or delimiter line accepted (bytes).</summary>
    public const int MaxLineBytes = 1024;

    /// <summary>The most header lines of one part.</summary>
    public const int MaxHeaders = 32;

    private readonly Stream _stream;
    private readonly byte[] _delimiter;
    private readonly int _maxPartBytes;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>A reader over <paramref name="stream"/> (not owned) with <paramref name="boundary"/> from the Content-Type header.</summary>
    /// <exception cref="MjpegStreamException">The boundary is empty, too long or not printable ASCII.</exception>
    public MultipartFrameReader(Stream stream, string boundary, int maxPartBytes)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPartBytes, 1);
        var b = (boundary ?? "").Trim().Trim('"');
        if (b.StartsWith("--", StringComparison.Ordinal))
        {
            b = b[2..];
        }

        if (b.Length is 0 or > 70 || b.Any(c => c is < (char)0x20 or > (char)0x7e))
        {
            throw new MjpegStreamException("The stream's multipart boundary is empty, longer than 70 characters or not printable ASCII.");
        }

        _delimiter = Encoding.ASCII.GetBytes("--" + b);
        _maxPartBytes = maxPartBytes;
    }

    /// <summary>Parts read so far.</summary>
    public int Parts { get; private set; }

    /// <summary>
    /// The next part's body, or null when the stream ended: <c>Closed</c> tells whether it ended with the
    /// closing delimiter (<c>--boundary--</c>, the camera ended the stream) rather than being cut off.
    /// </summary>
    /// <exception cref="MjpegStreamException">The stream breaks the format or a part is above the limit.</exception>
    public async Task<(byte[]? Part, bool Closed)> ReadPartAsync(CancellationToken cancellationToken)
    {
        // Find the next delimiter line, skipping blank lines and a bounded preamble.
        var skipped = 0;
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                return (null, false);
            }

            if (IsDelimiter(line, out var closing))
            {
                if (closing)
                {
                    return (null, true);
                }

                break;
            }

            if (Parts > 0 && line.Length > 0)
            {
                throw new MjpegStreamException($"Part {Parts + 1} of the stream does not start with the boundary declared in its Content-Type (a part's declared Content-Length may be wrong, or the boundary changed).");
            }

            skipped += line.Length + 1;
            if (skipped > MaxLineBytes * 8)
            {
                throw new MjpegStreamException($"No boundary line in the first {skipped} bytes of the stream: it is not the multipart stream its Content-Type declares.");
            }
        }

        long? length = null;
        for (var headers = 0; ; headers++)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? throw new MjpegStreamException($"The stream ended inside the headers of part {Parts + 1}.");
            if (line.Length == 0)
            {
                break;
            }

            if (headers >= MaxHeaders)
            {
                throw new MjpegStreamException($"Part {Parts + 1} has more than {MaxHeaders} header lines.");
            }

            var text = Encoding.ASCII.GetString(line);
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && text[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = long.TryParse(text[(colon + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    ? n : throw new MjpegStreamException($"Part {Parts + 1} has a Content-Length that is not a non-negative whole number.");
            }
        }

        var part = length is { } declared ? await ReadDeclaredAsync(declared, cancellationToken).ConfigureAwait(false) : await ReadToDelimiterAsync(cancellationToken).ConfigureAwait(false);
        Parts++;
        return (part, false);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Array.Clear(_buffer);
        _start = _end = 0;
    }

    private async Task<byte[]> ReadDeclaredAsync(long declared, CancellationToken cancellationToken)
    {
        if (declared > _maxPartBytes)
        {
            throw new MjpegStreamException($"Part {Parts + 1} declares {declared:N0} bytes, more than the {_maxPartBytes:N0} accepted.");
        }

        var part = new byte[(int)declared];
        var filled = 0;
        while (filled < part.Length)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                Array.Clear(part);
                throw new MjpegStreamException($"The stream ended inside part {Parts + 1} ({filled:N0} of {declared:N0} bytes).");
            }

            var take = Math.Min(part.Length - filled, _end - _start);
            Buffer.BlockCopy(_buffer, _start, part, filled, take);
            Array.Clear(_buffer, _start, take);
            _start += take;
            filled += take;
        }

        return part;
    }

    private async Task<byte[]> ReadToDelimiterAsync(CancellationToken cancellationToken)
    {
        var searched = 0;
        while (true)
        {
            // The body ends at the line break before the next delimiter line.
            var window = _buffer.AsSpan(_start, _end - _start);
            var at = IndexOfDelimiterLine(window, searched);
            if (at >= 0)
            {
                var bodyEnd = at;
                if (bodyEnd > 0 && window[bodyEnd - 1] == (byte)'\n')
                {
                    bodyEnd--;
                    if (bodyEnd > 0 && window[bodyEnd - 1] == (byte)'\r')
                    {
                        bodyEnd--;
                    }
                }

                if (bodyEnd > _maxPartBytes)
                {
                    throw Oversized();
                }

                var part = window[..bodyEnd].ToArray();
                window[..at].Clear();
                _start += at;
                return part;
            }

            searched = Math.Max(0, window.Length - _delimiter.Length - 2);
            if (window.Length > _maxPartBytes + _delimiter.Length + 4)
            {
                throw Oversized();
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new MjpegStreamException($"The stream ended inside part {Parts + 1}, which declares no Content-Length.");
            }
        }
    }

    private MjpegStreamException Oversized() =>
        new($"Part {Parts + 1} (no Content-Length) runs past {_maxPartBytes:N0} bytes without a boundary line: too large, or the boundary is not the one declared.");

    /// <summary>The index of the first delimiter at the start of a line (after a line break) at or after <paramref name="from"/>.</summary>
    private int IndexOfDelimiterLine(ReadOnlySpan<byte> window, int from)
    {
        while (from < window.Length)
        {
            var i = window[from..].IndexOf(_delimiter);
            if (i < 0)
            {
                return -1;
            }

            var at = from + i;
            if (at > 0 && window[at - 1] == (byte)'\n')
            {
                return at;
            }

            from = at + 1;
        }

        return -1;
    }

    private bool IsDelimiter(byte[] line, out bool closing)
    {
        var span = line.AsSpan().TrimEnd(" \t"u8);
        closing = span.Length == _delimiter.Length + 2 && span.StartsWith(_delimiter) && span.EndsWith("--"u8);
        return closing || span.SequenceEqual(_delimiter);
    }

    /// <summary>The next line without its line break; null at the end of the stream (a last line without a break counts).</summary>
    private async Task<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanned = 0;
        while (true)
        {
            var newline = _buffer.AsSpan(_start + scanned, _end - _start - scanned).IndexOf((byte)'\n');
            if (newline >= 0 || _end - _start > MaxLineBytes + 2)
            {
                var length = scanned + newline;
                if (newline < 0 || length > MaxLineBytes + 1)
                {
                    throw new MjpegStreamException($"A header or boundary line of part {Parts + 1} is longer than {MaxLineBytes} bytes.");
                }

                var line = _buffer.AsSpan(_start, length);
                if (line.Length > 0 && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }

                var copy = line.ToArray();
                Array.Clear(_buffer, _start, length + 1);
                _start += length + 1;
                return copy;
            }

            scanned = _end - _start;
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_start == _end)
                {
                    return null;
                }

                var last = _buffer.AsSpan(_start, _end - _start).ToArray();
                Array.Clear(_buffer, _start, _end - _start);
                _start = _end;
                return last;
            }
        }
    }

    /// <summary>Reads more bytes into the buffer (compacting it, growing it up to the part limit); false at the end of the stream.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_eof)
        {
            return false;
        }

        if (_start > 0)
        {
            var live = _end - _start;
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, live);
            Array.Clear(_buffer, live, _end - live);
            (_start, _end) = (0, live);
        }

        if (_end == _buffer.Length)
        {
            var grown = new byte[Math.Min(_buffer.Length * 2, _maxPartBytes + (2 * MaxLineBytes) + 8)];
            if (grown.Length <= _buffer.Length)
            {
                grown = new byte[_buffer.Length + MaxLineBytes];
            }

            Buffer.BlockCopy(_buffer, 0, grown, 0, _end);
            Array.Clear(_buffer);
            _buffer = grown;
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            _eof = true;
            return false;
        }

        _end += read;
        return true;
    }
}
