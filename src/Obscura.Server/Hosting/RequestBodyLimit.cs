using Microsoft.AspNetCore.Http.Features;

namespace Obscura.Server.Hosting;

/// <summary>Refuses bodies above the configured size: at once when Content-Length says so, else while reading.</summary>
internal static class RequestBodyLimit
{
    public static IApplicationBuilder UseRequestBodyLimit(this IApplicationBuilder app, long maxBytes) =>
        app.Use(async (context, next) =>
        {
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
