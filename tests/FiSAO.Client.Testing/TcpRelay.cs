using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace FiSAO.Client.Testing;

/// <summary>
/// A loopback TCP relay in front of a real verifier: <see cref="Cut"/> drops every connection and refuses new ones
/// (a network path going down, at once), <see cref="Restore"/> accepts again on the same port. The verifier behind it
/// keeps running, so outages can start and end at exact moments.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    readonly int _targetPort;
    readonly ConcurrentDictionary<Socket, byte> _connections = new();
    Socket? _listener;
    CancellationTokenSource _stop = new();

    TcpRelay(int port, int targetPort)
    {
        Port = port;
        _targetPort = targetPort;
    }

    public int Port { get; }
    public string Address => $"http://127.0.0.1:{Port}";

    public static TcpRelay Start(int targetPort)
    {
        var relay = new TcpRelay(FreePort.Next(), targetPort);
        relay.Restore();
        return relay;
    }

    /// <summary>Closes the listener and resets every relayed connection.</summary>
    public void Cut()
    {
        _stop.Cancel();
        _listener?.Dispose();
        _listener = null;
        foreach (var socket in _connections.Keys)
        {
            try { socket.LingerState = new LingerOption(true, 0); } catch (ObjectDisposedException) { } // close with RST
            socket.Dispose();
        }
        _connections.Clear();
    }

    /// <summary>Listens again on the same port.</summary>
    public void Restore()
    {
        if (_listener is not null) return;
        _stop = new CancellationTokenSource();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, Port));
        listener.Listen(64);
        _listener = listener;
        _ = AcceptAsync(listener, _stop.Token);
    }

    async Task AcceptAsync(Socket listener, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await listener.AcceptAsync(stop); }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = RelayAsync(client, stop);
        }
    }

    async Task RelayAsync(Socket client, CancellationToken stop)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _connections[client] = 0;
        _connections[server] = 0;
        try
        {
            await server.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _targetPort), stop);
            await Task.WhenAny(PumpAsync(client, server, stop), PumpAsync(server, client, stop));
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
        finally
        {
            _connections.TryRemove(client, out _);
            _connections.TryRemove(server, out _);
            client.Dispose();
            server.Dispose();
        }
    }

    static async Task PumpAsync(Socket from, Socket to, CancellationToken stop)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, stop)) > 0)
                await to.SendAsync(buffer.AsMemory(0, read), stop);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }
}
