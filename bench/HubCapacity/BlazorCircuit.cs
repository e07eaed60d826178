using System.Buffers;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MessagePack;

namespace PolyakClients;

/// <summary>A browser's Blazor Server circuit without the browser, as blazor.web.js opens one: the page (its prerendered
/// root components and their state), <c>/_blazor/negotiate</c>, the WebSocket (SignalR's MessagePack protocol under
/// Blazor's name "blazorpack"), <c>StartCircuit</c>, then <c>UpdateRootComponents</c> with the page's components. It
/// then acknowledges every render batch, answers every JS call with null, and pings until disposed.</summary>
/// <remarks>Shared by bench/HubCapacity (circuits per viewer) and ScaleOutProxyTests (a circuit through the proxy).
/// Cookies given are sent on the page, the negotiate and the WebSocket: the proxy's affinity cookie among them.</remarks>
public sealed partial class BlazorCircuit : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _sending = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<string> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _rendered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _receiving;
    private readonly Task _pinging;
    private int _renderBatches;

    private BlazorCircuit(ClientWebSocket socket)
    {
        _socket = socket;
        _receiving = Task.Run(ReceiveAsync);
        _pinging = Task.Run(PingAsync);
    }

    /// <summary>Still connected, and the server has reported no error in it.</summary>
    public bool IsAlive => _socket.State == WebSocketState.Open && Volatile.Read(ref _failure) is null;

    /// <summary>Why the circuit ended (the server's error or close), or null.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    private string? _failure;

    /// <summary>Render batches received (each acknowledged).</summary>
    public int RenderBatches => Volatile.Read(ref _renderBatches);

    /// <summary>Negotiates and connects the circuit's WebSocket, SignalR handshake done, no circuit started yet.
    /// Throws when the negotiate or the WebSocket is refused (a WebSocket on an instance that did not negotiate it: 404).</summary>
    public static async Task<BlazorCircuit> ConnectAsync(Uri site, CookieContainer? cookies, CancellationToken cancel)
    {
        string origin = site.GetLeftPart(UriPartial.Authority);
        using var handler = new HttpClientHandler { UseCookies = cookies is not null, CookieContainer = cookies ?? new CookieContainer() };
        using var http = new HttpClient(handler);
        using var negotiate = new HttpRequestMessage(HttpMethod.Post, new Uri(site, "/_blazor/negotiate?negotiateVersion=1"));
        negotiate.Headers.Add("Origin", origin);
        using var answer = await http.SendAsync(negotiate, cancel);
        answer.EnsureSuccessStatusCode();
        string token = (await answer.Content.ReadFromJsonAsync<JsonElement>(cancel)).GetProperty("connectionToken").GetString()!;

        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", origin);
        if (cookies is not null) socket.Options.Cookies = cookies;
        try
        {
            var url = new UriBuilder(new Uri(site, "/_blazor")) { Scheme = site.Scheme == "https" ? "wss" : "ws", Query = "id=" + Uri.EscapeDataString(token) }.Uri;
            await socket.ConnectAsync(url, cancel);
            await socket.SendAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"blazorpack\",\"version\":1}" + RecordSeparator), WebSocketMessageType.Text, true, cancel);
            string handshake = Encoding.UTF8.GetString(await ReceiveMessageAsync(socket, cancel) ?? throw new WebSocketException("closed during the handshake"));
            if (handshake.TrimEnd(RecordSeparator) != "{}") throw new WebSocketException($"handshake refused: {handshake}");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new BlazorCircuit(socket);
    }

    /// <summary>Opens the page and its circuit; returns once the server has sent its first render batch.</summary>
    public static async Task<BlazorCircuit> OpenAsync(Uri page, CookieContainer cookies, CancellationToken cancel)
    {
        using var handler = new HttpClientHandler { CookieContainer = cookies };
        using var http = new HttpClient(handler);
        string html = await http.GetStringAsync(page, cancel);
        var circuit = await ConnectAsync(page, cookies, cancel);
        try
        {
            await circuit.StartAsync(page, html, cancel);
            return circuit;
        }
        catch
        {
            await circuit.DisposeAsync();
            throw;
        }
    }

    private async Task StartAsync(Uri page, string html, CancellationToken cancel)
    {
        var markers = Markers().Matches(html).Select(m => JsonNode(m.Groups[1].Value))
            .Where(m => m.TryGetProperty("descriptor", out _)).ToList();
        if (markers.Count == 0) throw new InvalidOperationException($"{page} has no interactive server components");
        string state = State().Match(html) is { Success: true } s ? s.Groups[1].Value : "";
        await SendAsync("StartCircuit", "0", [new Uri(page, "/").ToString(), page.ToString(), "[]", ""], cancel);
        await _started.Task.WaitAsync(cancel);
        var operations = markers.Select((marker, i) => new
        {
            type = "add", ssrComponentId = i + 1,
            marker = new
            {
                type = marker.GetProperty("type").GetString(), prerenderId = marker.GetProperty("prerenderId").GetString(),
                key = marker.GetProperty("key"), sequence = marker.GetProperty("sequence").GetInt32(),
                descriptor = marker.GetProperty("descriptor").GetString(), uniqueId = i,
            },
        });
        await SendAsync("UpdateRootComponents", null, [JsonSerializer.Serialize(new { batchId = 1, operations }), state], cancel);
        await _rendered.Task.WaitAsync(cancel);
    }

    private static JsonElement JsonNode(string json) => JsonDocument.Parse(json).RootElement;

    // An invocation: [1, headers, invocation id or nil, target, arguments, stream ids], length-prefixed (varint).
    private async Task SendAsync(string target, string? invocationId, object?[] arguments, CancellationToken cancel)
    {
        var body = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(body);
        writer.WriteArrayHeader(6);
        writer.Write(1);
        writer.WriteMapHeader(0);
        if (invocationId is null) writer.WriteNil(); else writer.Write(invocationId);
        writer.Write(target);
        writer.WriteArrayHeader(arguments.Length);
        foreach (var argument in arguments)
        {
            switch (argument)
            {
                case null: writer.WriteNil(); break;
                case string text: writer.Write(text); break;
                case long number: writer.Write(number); break;
                case bool flag: writer.Write(flag); break;
                default: throw new ArgumentException($"cannot send a {argument.GetType()}");
            }
        }
        writer.WriteArrayHeader(0);
        writer.Flush();
        await SendFrameAsync(body.WrittenMemory, cancel);
    }

    private async Task SendFrameAsync(ReadOnlyMemory<byte> message, CancellationToken cancel)
    {
        var frame = new List<byte>(message.Length + 5);
        for (uint length = (uint)message.Length; ; length >>= 7)
        {
            frame.Add((byte)(length < 0x80 ? length : (length & 0x7f) | 0x80));
            if (length < 0x80) break;
        }
        frame.AddRange(message.ToArray());
        await _sending.WaitAsync(cancel);
        try { await _socket.SendAsync(frame.ToArray(), WebSocketMessageType.Binary, true, cancel); }
        finally { _sending.Release(); }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            while (await ReceiveMessageAsync(_socket, _closing.Token) is { } message)
                for (int at = 0; at < message.Length;)
                {
                    int length = 0, shift = 0;
                    byte b;
                    do { b = message[at++]; length |= (b & 0x7f) << shift; shift += 7; } while ((b & 0x80) != 0);
                    await HandleAsync(message.AsMemory(at, length));
                    at += length;
                }
            Fail("the server closed the connection");
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException) { Fail(e.Message); }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> frame)
    {
        var (kind, target, arguments) = Read(frame);
        switch (kind, target)
        {
            case (1, "JS.RenderBatch"):
                Interlocked.Increment(ref _renderBatches);
                await SendAsync("OnRenderCompleted", null, [arguments[0], null], _closing.Token);
                _rendered.TrySetResult();
                break;
            case (1, "JS.BeginInvokeJS"):
                // (task id, function, arguments, result type, target): a module import or other object reference gets
                // a reference of its own; every other call answers null, as a page with nothing to report would.
                long task = (long)arguments[0]!;
                string result = arguments.Count > 3 && arguments[3] is 1L ? $"{{\"__jsObjectId\":{Interlocked.Increment(ref _objects)}}}" : "null";
                await SendAsync("EndInvokeJSFromDotNet", null, [task, true, $"[{task},true,{result}]"], _closing.Token);
                break;
            case (1, "JS.Error"):
                Fail("the circuit failed: " + arguments.FirstOrDefault());
                break;
            case (3, _) when arguments is [string secret]:
                _started.TrySetResult(secret);
                break;
            case (3, _):
                _started.TrySetException(new InvalidOperationException("StartCircuit was refused"));
                break;
            case (7, _):
                Fail("the server closed the circuit: " + arguments.FirstOrDefault());
                break;
        }
    }

    private int _objects;

    // (message type, invocation target, the invocation's arguments or a completion's result: numbers, strings and
    // nulls as such, anything else as null).
    private static (int Kind, string? Target, List<object?> Arguments) Read(ReadOnlyMemory<byte> frame)
    {
        var reader = new MessagePackReader(frame);
        reader.ReadArrayHeader();
        int kind = reader.ReadInt32();
        var values = new List<object?>();
        if (kind == 1)
        {
            reader.Skip();                                                   // headers
            if (!reader.TryReadNil()) reader.ReadString();                   // invocation id
            string target = reader.ReadString()!;
            for (int count = reader.ReadArrayHeader(), i = 0; i < count; i++) values.Add(Value(ref reader));
            return (kind, target, values);
        }
        if (kind == 3)
        {
            reader.Skip();
            reader.ReadString();
            if (reader.ReadInt32() == 3) values.Add(Value(ref reader));      // 1 error, 2 void, 3 a result
        }
        if (kind == 7) values.Add(Value(ref reader));
        return (kind, null, values);
    }

    private static object? Value(ref MessagePackReader reader)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Integer: return reader.ReadInt64();
            case MessagePackType.String: return reader.ReadString();
            default: reader.Skip(); return null;
        }
    }

    private void Fail(string why)
    {
        Interlocked.CompareExchange(ref _failure, why, null);
        var error = new InvalidOperationException(why);
        _started.TrySetException(error);
        _rendered.TrySetException(error);
    }

    // A ping every 15 s, as browsers send: the server drops a client silent for 30 s.
    private async Task PingAsync()
    {
        byte[] ping = [2, 0x91, 6];          // length 2: the array [6]
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(15), _closing.Token);
                await _sending.WaitAsync(_closing.Token);
                try { await _socket.SendAsync(ping, WebSocketMessageType.Binary, true, _closing.Token); }
                finally { _sending.Release(); }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException) { }
    }

    private static async Task<byte[]?> ReceiveMessageAsync(WebSocket socket, CancellationToken cancel)
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancel);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return message.ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, new CancellationTokenSource(TimeSpan.FromSeconds(2)).Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException) { }
        _closing.Cancel();
        await Task.WhenAll(_receiving, _pinging).ContinueWith(_ => { });
        _socket.Dispose();
        _closing.Dispose();
    }

    [GeneratedRegex(@"<!--Blazor:(\{.*?\})-->", RegexOptions.Singleline)]
    private static partial Regex Markers();

    [GeneratedRegex(@"<!--Blazor-Server-Component-State:(.*?)-->", RegexOptions.Singleline)]
    private static partial Regex State();
}
