import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router-dom';
import { App } from './App.tsx';
import { I18nProvider } from './i18n/index.tsx';
import { SessionProvider } from './state/session.tsx';
import { ThemeProvider } from './state/theme.tsx';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <I18nProvider>
    <ThemeProvider>
      <SessionProvider>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </SessionProvider>
    </ThemeProvider>
  </I18nProvider>,
);
