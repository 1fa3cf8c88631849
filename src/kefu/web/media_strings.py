"""UI strings of images in chat (widget and workspace) (zh, en; see i18n.py)."""

from __future__ import annotations

MEDIA_STRINGS: dict[str, tuple[str, str]] = {
    "media_pick": ("发送图片（也可拖入或粘贴）", "Send an image (or drop / paste one)"),
    "media_drop": ("松开即可发送图片", "Drop to send the image"),
    "media_err_type": ("只能发送 JPG、PNG、WebP、GIF 格式的图片", "Only JPEG, PNG, WebP or GIF images can be sent"),
    "media_err_size": ("图片不能超过 10 MB，请压缩后再发送", "Images must be at most 10 MB: please send a smaller one"),
    "media_image": ("图片", "Image"),
    "media_preview": ("[图片]", "[Image]"),
    "media_open": ("点击查看大图", "Click to enlarge"),
    "media_viewer": ("查看图片", "Image viewer"),
    "media_close": ("关闭（Esc）", "Close (Esc)"),
    "media_original": ("查看原图", "Open original"),
    "media_load_failed": ("图片加载失败", "The image could not be loaded"),
}
