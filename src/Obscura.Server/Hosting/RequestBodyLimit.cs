using Microsoft.AspNetCore.Http.Features;

namespace Obscura.Server.Hosting;

/// <summary>Refuses bodies above the configured size: at once when Content-Length says so, else while reading.</summary>
internal static class RequestBodyLimit
{
    /// <summary>Limits bodies to <paramref name="defaultMaxBytes"/>, and vault blob uploads, model registrations and store batches (up to 1000 events each) to <paramref name="blobMaxBytes"/>.</summary>
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app, long defaultMaxBytes, long blobMaxBytes) =>
        app.Use(async (context, next) =>
        {
            var maxBytes = HttpMethods.IsPost(context.Request.Method)
                && (context.Request.Path.Equals("/v1/vault/objects", StringComparison.OrdinalIgnoreCase) || context.Request.Path.Equals("/v1/models", StringComparison.OrdinalIgnoreCase)
                    || context.Request.Path.Equals("/v1/store/batches", StringComparison.OrdinalIgnoreCase))
                ? blobMaxBytes
                : defaultMaxBytes;
            if (context.Request.ContentLength > maxBytes)
            {
                throw new BadHttpRequestException($"Request bodies are limited to {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = maxBytes;
            }

            await next(context);
        });
}
