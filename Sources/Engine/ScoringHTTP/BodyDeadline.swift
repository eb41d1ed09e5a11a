import NIOCore
import NIOHTTPTypes

/// Gives each request's body a deadline on the scoring server's connections.
///
/// The idle timeout closes a connection that sends nothing, but a body trickled one byte every
/// few seconds is never idle. This handler starts a timer at each request head and stops it at
/// the request's end. When the timer fires first, reading stops: the body's reader gets
/// `BodyDeadline.Expired` (so the server can answer 408), further request bytes are dropped, and
/// the connection closes once that answer is written (or at once, when no answer is under way).
final class BodyDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The error a body's reader gets when the body missed its deadline.
    struct Expired: Error {}

    private let limit: TimeAmount
    private var timer: Scheduled<Void>?
    private var expired = false

    /// A handler that allows each body `limit` from its request's head to its end.
    init(limit: TimeAmount) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !expired else { return }
        switch unwrapInboundIn(data) {
        case .head:
            timer?.cancel()
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: limit) { [self] in expire(context) }
        case .end:
            timer?.cancel()
            timer = nil
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard expired, case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        context.writeAndFlush(data, promise: promise)
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    private func expire(_ context: ChannelHandlerContext) {
        timer = nil
        expired = true
        context.fireErrorCaught(Expired())
    }
}
