using Obscura.Biometrics.Onnx.Capture;
using Obscura.Security.Files;

namespace Obscura.StoreAnalytics.Edge.Sources;

/// <summary>
/// Frames from the files already in a folder (a spool that cameras or an exporter write to), in time order: camera and
/// timestamp come from the file name (<see cref="Frame.InFolder(string, string?)"/>: <c>{camera}_{yyyyMMddTHHmmssfff}Z.jpg</c>,
/// or <c>{yyyyMMddTHHmmssfff}Z.jpg</c> with the camera given). The folder is an input queue, not storage: each file is
/// read into memory, then overwritten and deleted before the frame is handed on, whether or not it can be analysed. A
/// file above <see cref="MaxFrameBytes"/> is deleted and handed on empty (the host refuses it as undecodable).
/// </summary>
public sealed class FolderFrameSource : IFrameSource
{
    /// <summary>The largest frame file read (20 MiB).</summary>
    public const long MaxFrameBytes = 20L << 20;

    private readonly string _folder;
    private readonly string? _camera;

    /// <summary>A source over the files now in <paramref name="folder"/>.</summary>
    /// <param name="folder">The spool folder.</param>
    /// <param name="camera">The camera of files named by time only; null when every name carries its camera.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public FolderFrameSource(string folder, string? camera = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The frame folder {folder} does not exist.");
        }

        if (camera is not null && !EdgeConfiguration.NamePattern().IsMatch(camera))
        {
            throw new ArgumentException("A camera id is 1–64 of a-z, 0-9, '-' and '_'.", nameof(camera));
        }

        _folder = folder;
        _camera = camera;
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<EncodedFrame> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var frame in Frame.InFolder(_folder, _camera))
        {
            cancellationToken.ThrowIfCancellationRequested();
            byte[]? bytes;
            try
            {
                bytes = FaceCapture.ReadAtMost(frame.Path, MaxFrameBytes);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                bytes = [];
            }
            finally
            {
                OwnerOnlyFiles.Delete(frame.Path);
            }

            yield return new EncodedFrame(frame.Camera, frame.Timestamp, bytes ?? []);
            await Task.Yield();
        }
    }
}
