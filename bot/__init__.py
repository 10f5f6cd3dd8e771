"""Telegram assistant for the small businesses (UKM/UMKM) of Kota Tangerang Selatan."""
