using QRCoder;

namespace PolyakDashboard.Lecture;

/// <summary>A QR code of the room's address, as a PNG: black on white with its quiet zone (phones read dark on light,
/// whatever the page's theme), error correction M (a projector's glare and a camera at the back of a hall).</summary>
public static class RoomQrCode
{
    public const int PixelsPerModule = 10;

    /// <summary>The PNG image of <paramref name="text"/>'s QR code.</summary>
    public static byte[] Png(string text)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return new PngByteQRCode(data).GetGraphic(PixelsPerModule, drawQuietZones: true);
    }

    /// <summary>The same as a data: URL for an &lt;img&gt; (the pages' Content-Security-Policy allows data: images).</summary>
    public static string DataUrl(string text) => "data:image/png;base64," + Convert.ToBase64String(Png(text));
}
