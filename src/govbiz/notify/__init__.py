"""Notifications (通知): who is told what and when, over which channel."""

from govbiz.notify.channel import CaptureChannel, ConsoleChannel
from govbiz.ports.channel import DeliveryError, Notification, NotificationChannel

__all__ = ["CaptureChannel", "ConsoleChannel", "DeliveryError", "Notification", "NotificationChannel"]
